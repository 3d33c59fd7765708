"""How long append-only rows are kept, and the beat entries of the jobs that drop them.

What may go, and when (each period set from the environment):

- idempotency keys: after IDEMPOTENCY_KEY_TTL (settings/api.py, 48 hours), by the hourly
  ``idempotency-keys-expire`` job (the one way keys are forgotten);
- outbox events delivered to every subscriber, with their delivery rows: after
  OUTBOX_KEEP_DAYS. An event not yet delivered stays, rows and all, however old: a
  subscriber that has it must never get it a second time;
- webhook delivery bodies: emptied after WEBHOOK_PAYLOAD_KEEP_DAYS once the delivery is
  done or given up; the delivery log row (event, status, attempts, codes, times) stays.

Audit entries, tracking events and trade facts are kept. Like the outbox's deliveries and
the webhook log they are partitioned by month on PostgreSQL (ewtp/common/partitions.py), so
that a query bounded in time reads only its months and an old month can be detached and
archived as a whole; no job here drops them.
"""

from celery.schedules import crontab

from .environment import env

# Delivered outbox events are kept this long for an incident's investigation (which
# subscriber handled what, when), well past the sweep's last retry (hours).
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=30)
# A partner asking about a delivery within a month can still be shown what was sent.
WEBHOOK_PAYLOAD_KEEP_DAYS = env.int("WEBHOOK_PAYLOAD_KEEP_DAYS", default=30)
# Months created ahead of the clock, so that the daily job missing a few days (or weeks)
# never sends a month's rows to the default partition.
PARTITIONS_MONTHS_AHEAD = env.int("PARTITIONS_MONTHS_AHEAD", default=3)

# The tables partitioned by month on PostgreSQL: the model, the partition key (the column
# their time-bounded reads filter on), and for a table whose old months may go, after how
# many days and on what condition (asked of each month before it is dropped).
PARTITIONED_TABLES = {
    "common.AuditEntry": {"key": "created_at"},
    "common.OutboxDelivery": {
        "key": "event_created_at",
        "keep_days": OUTBOX_KEEP_DAYS,
        "drop_if": "ewtp.common.retention.outbox_month_delivered",
    },
    "common.WebhookDelivery": {"key": "created_at"},
    "logistics.TrackingEvent": {"key": "occurred_at"},
    "analytics.TradeFact": {"key": "shipped_on"},
    # the ledger is append-only and never dropped (payments/migrations/0018)
    "payments.Entry": {"key": "created_at"},
}

RETENTION_BEAT_SCHEDULE: dict = {
    # the months ahead created, the expired rows forgotten; at a quiet hour in every hub
    "retention-daily": {
        "task": "ewtp.common.tasks.retention_daily_task",
        "schedule": crontab(hour=20, minute=40),  # 04:40 in Kuala Lumpur
    },
}
