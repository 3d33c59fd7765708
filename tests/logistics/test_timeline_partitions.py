"""A parcel's timeline reads only the months since the parcel was made: tracking events are
partitioned by month of occurred_at on PostgreSQL, and the timeline bounds it below."""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.utils import timezone

from ewtp.common.months import month_after, month_of
from ewtp.common.partitions import partition_name, partitions_ensure
from logistics.models import Parcel
from logistics.selectors import parcel_events, parcel_timeline, public_timeline
from logistics.services.floor import parcel_receive
from logistics.services.moves import parcel_transition

from .conftest import pack

pytestmark = pytest.mark.django_db
TABLE = "logistics_trackingevent"


def _scanned(queryset) -> set[str]:
    plan = json.loads(queryset.explain(format="json"))
    found, nodes = set(), [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        nodes.extend(node.get("Plans", []))
    return found


def test_the_timelines_show_every_event_of_the_parcel_in_order(world):
    parcel = parcel_receive(parcel=pack(world), actor=world["operator"])
    parcel_transition(parcel=parcel, to=Parcel.Status.HELD, reason="Label torn")
    codes = [event.code for event in parcel_events(parcel=parcel)]
    assert codes == ["RCS", "HLD"]
    assert [event.code for event in public_timeline(parcel=parcel)] == codes
    assert [event.code for event in parcel_timeline(parcel=parcel)] == codes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partition pruning is PostgreSQL's")
def test_the_timeline_reads_only_the_months_since_the_parcel(world):
    now = timezone.now()
    earlier = datetime(now.year - 1, now.month, 15, tzinfo=UTC)
    partitions_ensure(months_ahead=2, now=earlier)  # a year of older months
    parcel = pack(world)

    scanned = _scanned(parcel_events(parcel=parcel))

    this_month = month_of(parcel.created_at)
    assert partition_name(TABLE, this_month) in scanned
    assert not any(
        partition_name(TABLE, month) in scanned
        for month in (month_of(earlier), month_after(month_of(earlier)))
    )
    unbounded = _scanned(parcel.events.all())
    assert partition_name(TABLE, month_of(earlier)) in unbounded  # what the bound saves
