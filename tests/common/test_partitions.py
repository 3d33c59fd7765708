"""The append-only tables partitioned by month on PostgreSQL: made so by the migrations, rows
routed to their month, months created ahead by the daily job, and only the droppable months
(delivered outbox events) dropped by retention."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from analytics.models import TradeFact
from ewtp.common.models import AuditEntry, OutboxDelivery, OutboxEvent
from ewtp.common.months import month_after, month_of
from ewtp.common.partitions import (
    partition_months,
    partition_name,
    partitions_drop_expired,
    partitions_ensure,
)
from ewtp.common.retention import retention_apply

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="declarative partitioning is PostgreSQL's; SQLite keeps plain tables",
    ),
    pytest.mark.django_db,
]

KEYS = {
    "common_auditentry": "created_at",
    "common_outboxdelivery": "event_created_at",
    "common_webhookdelivery": "created_at",
    "logistics_trackingevent": "occurred_at",
    "analytics_tradefact": "shipped_on",
}


def _one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _partition_of(table: str, pk: int) -> str:
    return _one(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])


def _scanned(queryset) -> set[str]:
    """The tables a query's plan reads."""
    plan = json.loads(queryset.explain(format="json"))
    found, nodes = set(), [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        nodes.extend(node.get("Plans", []))
    return found


def _audit() -> AuditEntry:
    return AuditEntry.objects.create(action="tests.thing.done", target_type="t", target_id="1")


def _event(name: str, *, delivered: bool) -> OutboxEvent:
    event = OutboxEvent.objects.create(
        name=name, payload={}, dispatched_at=timezone.now() if delivered else None
    )
    OutboxDelivery.objects.create(event=event, subscriber="tests.first")
    return event


def test_the_append_only_tables_are_partitioned_by_month_of_their_time():
    for table, key in KEYS.items():
        assert (
            _one(
                "SELECT pg_get_partkeydef(partrelid) FROM pg_partitioned_table "
                "WHERE partrelid = %s::regclass",
                [table],
            )
            == f"RANGE ({key})"
        )
        primary_key = _one(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'p'",
            [table],
        )
        assert primary_key == f"PRIMARY KEY (id, {key})"
        this_month = month_of(timezone.now())
        assert set(partition_months(table)) >= {this_month, month_after(this_month)}


def test_the_exactly_once_key_and_the_indexes_came_along():
    assert (
        _one(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s",
            ["outbox_delivery_once"],
        )
        == "UNIQUE (event_id, subscriber, event_created_at)"
    )
    for index in ("audit_target_idx", "tracking_timeline_idx", "webhook_due_idx"):
        assert _one("SELECT relkind FROM pg_class WHERE relname = %s", [index]) == "I"


def test_ids_go_on_from_where_they_were():
    first = _audit()
    second = _audit()
    assert second.pk == first.pk + 1


def test_rows_written_through_the_orm_land_in_their_month():
    entry = _audit()
    now = timezone.now()
    assert _partition_of("common_auditentry", entry.pk) == partition_name(
        "common_auditentry", month_of(now)
    )
    event = _event("tests.done", delivered=True)
    delivery = event.deliveries.get()
    assert delivery.event_created_at == event.created_at
    assert _partition_of("common_outboxdelivery", delivery.pk) == partition_name(
        "common_outboxdelivery", month_of(event.created_at)
    )


def test_a_row_of_a_month_not_made_yet_waits_in_the_default_partition_then_moves():
    later = timezone.now() + timedelta(days=400)
    with time_machine.travel(later, tick=False):
        entry = _audit()
    assert _partition_of("common_auditentry", entry.pk) == "common_auditentry_default"

    created = partitions_ensure(months_ahead=0, now=timezone.now())

    assert partition_name("common_auditentry", month_of(later)) in created
    assert _partition_of("common_auditentry", entry.pk) == partition_name(
        "common_auditentry", month_of(later)
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_daily_job_makes_the_months_ahead_once():
    later = timezone.now() + timedelta(days=200)  # past the months the migration made
    with time_machine.travel(later, tick=False):
        created = partitions_ensure(months_ahead=2)
        again = partitions_ensure(months_ahead=2)
    wanted = [month_of(later), month_after(month_of(later))]
    wanted.append(month_after(wanted[-1]))
    assert set(created) == {partition_name(table, month) for table in KEYS for month in wanted}
    assert again == []


def _old_months(months_back: int) -> datetime:
    """The middle of the month ``months_back`` before this one, in UTC."""
    month = month_of(timezone.now())
    for _ in range(months_back):
        month = (month - timedelta(days=1)).replace(day=1)
    return datetime(month.year, month.month, 15, tzinfo=UTC)


def test_retention_drops_delivered_months_of_the_outbox_and_never_audit_nor_tracking():
    delivered_month, held_month = _old_months(4), _old_months(3)
    with time_machine.travel(delivered_month, tick=False):
        delivered = _event("tests.done", delivered=True)
        audit = _audit()
    with time_machine.travel(held_month, tick=False):
        undelivered = _event("tests.waiting", delivered=False)
        also_delivered = _event("tests.done", delivered=True)
    partitions_ensure(months_ahead=0, now=delivered_month)  # the old months, as if made then
    partitions_ensure(months_ahead=0, now=held_month)

    done = retention_apply(now=held_month + timedelta(days=60))

    outbox = partition_months("common_outboxdelivery")
    assert month_of(delivered_month) not in outbox  # the month went as a whole
    assert month_of(held_month) in outbox  # one event of it is not delivered yet
    assert not OutboxEvent.objects.filter(pk__in=[delivered.pk, also_delivered.pk]).exists()
    assert OutboxDelivery.objects.filter(event=undelivered).count() == 1
    assert OutboxEvent.objects.filter(pk=undelivered.pk).exists()
    assert done["partitions_dropped"] == 1
    # the events go as rows (that table is not partitioned), the first one's deliveries
    # having gone with their month
    assert done["outbox_events_forgotten"] == 2
    # kept for good: the audit trail and the tracking of that month
    assert month_of(delivered_month) in partition_months("common_auditentry")
    assert month_of(delivered_month) in partition_months("logistics_trackingevent")
    assert AuditEntry.objects.filter(pk=audit.pk).exists()


def test_a_month_younger_than_the_period_is_not_dropped():
    event = _event("tests.done", delivered=True)
    assert partitions_drop_expired(now=timezone.now()) == []
    assert OutboxDelivery.objects.filter(event=event).exists()


def test_a_dashboard_period_reads_only_its_months():
    """The seller page's facts of a period (analytics/selectors/seller.py)."""
    this_month = month_of(timezone.now())
    partitions_ensure(months_ahead=0, now=_old_months(6))
    facts = TradeFact.objects.filter(
        seller_id=1, line_no=1, shipped_on__gte=this_month, shipped_on__lte=this_month
    )
    assert _scanned(facts) == {partition_name("analytics_tradefact", this_month)}
