"""E-mail notifications: stored in the transaction of the change that caused them, sent by a
Celery task after it commits.

The task claims the e-mail before sending (a conditional UPDATE), so a duplicated task
message sends nothing more; a send that fails lets go of the claim and is retried by the
task, then by the sweep, which also sends what was stored while the broker was down. A
notification never rolls back or blocks the change itself.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutgoingEmail

logger = logging.getLogger(__name__)
CLAIM = timedelta(minutes=2)  # longer than the mail server's timeout (EMAIL_TIMEOUT, 30 s)
MAX_ATTEMPTS = 12  # about two days of doubling waits
RETRY_FIRST = timedelta(minutes=2)
RETRY_MOST = timedelta(hours=6)


def email_after_commit(*, to: list[str], subject: str, body: str) -> OutgoingEmail | None:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return None
    email = OutgoingEmail.objects.create(recipients=recipients, subject=subject[:300], body=body)
    transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def _enqueue(email_id: int) -> None:
    from .tasks import email_send_task

    try:
        email_send_task.delay(email_id)
    except Exception:  # broker down: the sweep sends it
        logger.warning("notifications: could not enqueue e-mail %s", email_id)


def email_send(*, email_id: int) -> int:
    """Send a stored e-mail once. Returns 1 when this call sent it, 0 when it was sent or
    claimed by another sender already; a mail server error is raised for the task's retry."""
    now = timezone.now()
    claimed = (
        OutgoingEmail.objects.filter(pk=email_id, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM, attempts=F("attempts") + 1)
    )
    if not claimed:
        return 0
    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        send_mail(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, email.recipients)
    except Exception as error:
        wait = min(RETRY_FIRST * 2 ** (email.attempts - 1), RETRY_MOST)
        OutgoingEmail.objects.filter(pk=email_id).update(
            claimed_until=None,
            next_attempt_at=timezone.now() + wait,
            last_error=f"{type(error).__name__}: {error}"[:300],
        )
        if email.attempts >= MAX_ATTEMPTS:
            logger.error("notifications: gave up on e-mail %s: %s", email_id, error)
        raise
    OutgoingEmail.objects.filter(pk=email_id).update(sent_at=timezone.now(), last_error="")
    return 1


def emails_due(*, now=None, limit: int = 200) -> list[int]:
    """Unsent e-mails older than a claim whose wait after a failure is over: their task
    message was lost, or its retries gave up."""
    now = now or timezone.now()
    return list(
        OutgoingEmail.objects.filter(
            sent_at__isnull=True, created_at__lt=now - CLAIM, attempts__lt=MAX_ATTEMPTS
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
