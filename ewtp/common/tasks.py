"""Celery entry points of the shared kernel: ids in, one service call, nothing else."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .idempotency import idempotency_keys_expire
from .outbox import OutboxDispatchFailed, outbox_dispatch, outbox_pending_ids


@shared_task(
    autoretry_for=(OutboxDispatchFailed,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def outbox_dispatch_task(event_id: int) -> int:
    return outbox_dispatch(event_id=event_id)


@shared_task
def outbox_sweep_task() -> int:
    """Re-drive events whose dispatch was lost; each one in its own task."""
    pending = outbox_pending_ids()
    for event_id in pending:
        outbox_dispatch_task.delay(event_id)
    return len(pending)


@shared_task
def idempotency_keys_expire_task() -> int:
    return idempotency_keys_expire(now=timezone.now())


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=30, max_retries=5)
def email_send_task(recipients: list[str], subject: str, body: str) -> int:
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
