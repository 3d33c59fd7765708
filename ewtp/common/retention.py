"""What the hub forgets, and when: the daily job's services (the periods and why:
ewtp/settings/retention.py).

Each step deletes or empties in batches of its own transaction, so a long first run holds
no lock for long and what it did stays done if it is stopped; the next run goes on.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from .models import OutboxEvent, WebhookDelivery
from .partitions import partitions_drop_expired, partitions_ensure

logger = logging.getLogger(__name__)

BATCH = 5000


def retention_apply(*, now: datetime) -> dict[str, int]:
    """The daily job: the months ahead created, the expired months dropped, delivered
    outbox events and old webhook bodies forgotten. Returns what each step did."""
    created = partitions_ensure(now=now)
    dropped = partitions_drop_expired(now=now)
    events = outbox_delivered_forget(before=now - timedelta(days=settings.OUTBOX_KEEP_DAYS))
    bodies = webhook_payloads_forget(
        before=now - timedelta(days=settings.WEBHOOK_PAYLOAD_KEEP_DAYS)
    )
    done = {
        "partitions_created": len(created),
        "partitions_dropped": len(dropped),
        "outbox_events_forgotten": events,
        "webhook_payloads_emptied": bodies,
    }
    logger.info("retention: %s", done)
    return done


def outbox_month_delivered(start: datetime, end: datetime) -> bool:
    """Whether every event recorded in [start, end) was delivered to all its subscribers:
    only then may the month's delivery rows go at once (a half-delivered event's rows are
    what keeps its subscribers from getting it twice)."""
    return not OutboxEvent.objects.filter(
        created_at__gte=start, created_at__lt=end, dispatched_at__isnull=True
    ).exists()


def outbox_delivered_forget(*, before: datetime) -> int:
    """Delete the events recorded before ``before`` and delivered to every subscriber, with
    their delivery rows; returns how many events went. An event not delivered yet stays
    with its rows, however old.

    On PostgreSQL most rows went already with their month's partition
    (``partitions_drop_expired``); this takes the rest (the month ``before`` falls in, a
    month held back by one late event, and every row on SQLite).
    """
    forgotten = 0
    while True:
        with transaction.atomic():
            ids = list(
                OutboxEvent.objects.filter(created_at__lt=before, dispatched_at__isnull=False)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            # the deliveries go first, with the event (a cascade), in the same transaction
            OutboxEvent.objects.filter(pk__in=ids).delete()
        forgotten += len(ids)
        if len(ids) < BATCH:
            return forgotten


def webhook_payloads_forget(*, before: datetime) -> int:
    """Empty the body of each webhook delivery queued before ``before`` that is delivered or
    given up; returns how many. The row stays: the delivery log still shows the event, its
    attempts and the receiver's answers. A pending delivery keeps its body to send it."""
    emptied = 0
    old = WebhookDelivery.objects.filter(created_at__lt=before).exclude(
        status=WebhookDelivery.Status.PENDING
    )
    while True:
        with transaction.atomic():
            ids = list(old.exclude(payload={}).order_by("pk").values_list("pk", flat=True)[:BATCH])
            # the time bound again, so that PostgreSQL reads only the old months
            old.filter(pk__in=ids).update(payload={})
        emptied += len(ids)
        if len(ids) < BATCH:
            return emptied
