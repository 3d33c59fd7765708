"""The Time Release Study splits the import's arrival → release by when the declaration was
lodged: before the goods arrived (pre-arrival processing) or once they were there."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from analytics.models import StageMonth
from analytics.stages import filing_of
from customs.models import Declaration, RiskRule, WatchListEntry
from customs.services.decisions import declaration_decide
from ewtp.common.outbox import subscribe, subscribers_of, unsubscribe
from tests.analytics.trade import page

pytestmark = pytest.mark.django_db

DEPARTURE_STEP = "pipeline.import_declared_before_arrival"


def test_a_declaration_lodged_before_the_goods_arrived_is_pre_arrival():
    now = datetime(2026, 4, 13, 9, 0, tzinfo=UTC)
    assert filing_of(now, now + timedelta(minutes=1)) == "pre"
    assert filing_of(now, now) == "post"  # lodged at the landing scan: after arrival
    assert filing_of(now + timedelta(hours=3), now) == "post"
    assert filing_of(None, now) == filing_of(now, None) == "post"


def ship(journey, order, flight, *, departure_step: bool = True):
    """The order's parcel on ``flight``, departed and landed on the minute of its schedule;
    without ``departure_step`` the departure is missed by the import filing."""
    journey.receive(journey.pack(order))
    journey.consolidate()
    (step,) = [s for s in subscribers_of("logistics.flight_departed") if s.name == DEPARTURE_STEP]
    if not departure_step:
        unsubscribe("logistics.flight_departed", DEPARTURE_STEP)
    try:
        with time_machine.travel(flight.departs_at, tick=False):
            journey.depart(flight)
    finally:
        if not departure_step:
            subscribe("logistics.flight_departed", name=DEPARTURE_STEP)(step.handler)
    with time_machine.travel(flight.arrives_at, tick=False):
        journey.land(flight)


def test_the_clearance_study_shows_imports_lodged_before_arrival_against_after(
    journey, mdec_officer, until
):
    world = journey.world
    early = journey.pay(journey.consumer_order(n=1))
    late = journey.pay(journey.consumer_order(n=2))
    # the late one's import waits for a document check (a tip-off weighed 30, yellow)
    RiskRule.objects.filter(code="watch_list").update(weight=30)
    WatchListEntry.objects.create(name=late.consumer_name, reason="tip-off")
    ship(journey, early, world.flight)  # lodged in the air, released at the landing scan
    assert Declaration.objects.get(order=early, regime="CN_CBEC_IMPORT").status == "released"
    ship(journey, late, world.next_flight, departure_step=False)  # lodged on arrival
    imported = Declaration.objects.get(order=late, regime="CN_CBEC_IMPORT")
    assert (imported.status, imported.arrival_expected_at) == ("lane", None)
    with time_machine.travel(world.next_flight.arrives_at + timedelta(hours=3), tick=False):
        journey.run(
            declaration_decide,
            declaration=imported,
            decision="release",
            reason="Documents seen",
            actor=world.hgh_customs,
        )
    split = {
        (row.value, row.minutes, row.count)
        for row in StageMonth.objects.filter(stage="import_total", breakdown="filing")
    }
    assert split == {("pre", 0, 1), ("post", 180, 1)}

    clearance = page(mdec_officer, f"/dashboards/clearance/?date_to={until}")
    table = clearance.context["dashboard"].table("by_filing")
    rows = {row[0]: row for row in table.rows}
    assert set(rows) == {"pre", "post"}
    pre, post = rows["pre"], rows["post"]
    assert pre[4] == post[4] == 1  # consignments
    assert pre[1] < 1 and pre[3] == 0  # released at the landing scan: no wait
    assert 150 <= post[1] <= 215 and post[3] == 180  # p50 within its bucket; the mean exact
    shown = clearance.content.decode()
    assert "Before arrival" in shown and "After arrival" in shown
