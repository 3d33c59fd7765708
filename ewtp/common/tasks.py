"""Celery entry points of the shared kernel: ids in, one service call, nothing else."""

from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from .idempotency import idempotency_keys_expire
from .notifications import email_send, emails_due
from .outbox import (
    OUTBOX_DISPATCH_BATCH,
    OutboxDispatchFailed,
    outbox_claim_due,
    outbox_dispatch,
    outbox_dispatch_many,
)
from .retention import retention_apply
from .webhooks import webhook_deliver, webhook_due_ids


@shared_task
def outbox_dispatch_task(event_ids: list[int] | int) -> int:
    """Deliver the events of one message: a list, the events of one transaction (a single
    id is a message sent before batches, still in the queue after an upgrade).

    A list longer than a batch is split: the rest goes back to the queue first, so that a
    worker lost in this batch does not lose it. Retries are the sweep's (with backoff,
    recorded on the event), not Celery's.
    """
    try:
        if isinstance(event_ids, int):
            return outbox_dispatch(event_id=event_ids)
        batch, rest = event_ids[:OUTBOX_DISPATCH_BATCH], event_ids[OUTBOX_DISPATCH_BATCH:]
        if rest:
            outbox_dispatch_task.delay(rest)
        return outbox_dispatch_many(event_ids=batch)
    except OutboxDispatchFailed:
        return -1  # logged with its cause; next_attempt_at says when the sweep tries again


@shared_task
def outbox_sweep_task() -> int:
    """Re-drive events that are due, in batches: a lost first dispatch, or a failed one
    after backoff."""
    due = outbox_claim_due()
    for start in range(0, len(due), OUTBOX_DISPATCH_BATCH):
        outbox_dispatch_task.delay(due[start : start + OUTBOX_DISPATCH_BATCH])
    return len(due)


@shared_task
def idempotency_keys_expire_task() -> int:
    return idempotency_keys_expire(now=timezone.now())


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=30, max_retries=5)
def email_send_task(email_id: int) -> int:
    return email_send(email_id=email_id)


@shared_task
def emails_sweep_task() -> int:
    """Send what a lost task message or an exhausted retry left unsent."""
    due = emails_due()
    for email_id in due:
        email_send_task.delay(email_id)
    return len(due)


@shared_task
def webhook_deliver_task(delivery_id: int) -> str:
    return webhook_deliver(delivery_id=delivery_id).status


@shared_task
def webhooks_sweep_task() -> int:
    """Retry deliveries that are due (backoff is on each delivery's next_attempt_at)."""
    due = webhook_due_ids()
    for delivery_id in due:
        webhook_deliver_task.delay(delivery_id)
    return len(due)


# The first run on a large table may take a while: each step works in batches, and a run
# stopped by the limit leaves what it did done (the next day goes on).
@shared_task(soft_time_limit=30 * 60, time_limit=31 * 60)
def retention_daily_task() -> dict[str, int]:
    """Create the months ahead, drop the expired ones, forget what retention lets go."""
    return retention_apply(now=timezone.now())
