"""E-mail notifications, sent by a Celery task after the change that caused them commits.

A notification that fails is retried by the task and logged; it never rolls back or
blocks the change itself.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def email_after_commit(*, to: list[str], subject: str, body: str) -> None:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return

    def enqueue():
        from .tasks import email_send_task

        try:
            email_send_task.delay(recipients, subject, body)
        except Exception:  # broker down: the e-mail is lost, the change is not
            logger.warning("notifications: could not enqueue e-mail %r", subject)

    transaction.on_commit(enqueue)
