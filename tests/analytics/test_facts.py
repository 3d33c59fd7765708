"""Trade facts follow the journey, and the rollups follow the facts by difference."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from analytics.models import ExportDay, SellerMonth, StageMonth, TradeFact, TradeFactOrder
from analytics.services.facts import (
    trade_facts_deferred,
    trade_facts_rebuild,
    trade_facts_refresh_many,
)
from analytics.stages import bucket_of, percentile
from hubs.models import Order
from payments.services.escrow import escrow_release

pytestmark = pytest.mark.django_db


def test_an_order_has_facts_from_the_day_it_ships(journey):
    order = journey.pay(journey.consumer_order(quantity=2))  # 2 × 45.00 MYR, 0.150 kg each
    journey.receive(journey.pack(order))
    assert not TradeFact.objects.exists()  # paid, at the hub: not an export yet
    journey.consolidate()
    journey.depart()
    fact = TradeFact.objects.get()
    assert (fact.order_reference, fact.line_no, fact.status) == (order.reference, 1, "shipped")
    assert (fact.origin_hub, fact.destination_hub, fact.destination_country) == (
        "KUL",
        "HGH",
        "CN",
    )
    assert (fact.hs_code, fact.hs_heading, fact.hs_chapter, fact.hs_section) == (
        "621410",
        "6214",
        "62",
        "XI",
    )
    assert (fact.kind, fact.quantity, fact.weight_kg) == ("b2c", 2, Decimal("0.300"))
    # the ECB values of 2026-04-13 (tests/fx_rates.py): 90 × 1.1684 / 4.6444 = 22.64 USD
    assert (fact.value_minor, fact.value_myr_minor, fact.value_usd_minor) == (9000, 9000, 2264)
    assert fact.export_lane == "blue" and fact.export_released_at is not None
    assert fact.departed_at == journey.world.flight.departs_at
    day = ExportDay.objects.get()
    assert (day.day, day.orders, day.lines, day.quantity, day.weight_g) == (
        fact.shipped_on,
        1,
        1,
        2,
        300,
    )
    assert (day.value_myr_minor, day.value_usd_minor, day.sector, day.kind) == (
        9000,
        2264,
        fact.seller_sector,
        "b2c",
    )


def test_each_stage_is_timed_and_a_rebuild_changes_nothing(journey):
    order = journey.pay(journey.consumer_order(quantity=2))
    parcel = journey.ship(order)  # the flight: 5 hours
    journey.deliver(parcel)
    journey.run(escrow_release, order=Order.objects.get(pk=order.pk), actor_label="b", reason="ok")
    fact = TradeFact.objects.get()
    assert fact.status == "completed" and fact.escrow_released_at is not None
    flight = StageMonth.objects.get(stage="flight", breakdown="lane")
    assert (flight.count, flight.minutes, flight.value) == (1, 300, "-")
    assert flight.bucket == bucket_of(300)
    estimate = percentile({flight.bucket: 1}, 0.5)
    assert 255 <= estimate <= 304  # within the bucket holding 300 minutes
    imported = StageMonth.objects.get(stage="import_total", breakdown="lane")
    assert imported.value == fact.import_lane
    assert StageMonth.objects.filter(stage="import_total", breakdown="chapter", value="62").exists()
    before = list(StageMonth.objects.values_list("stage", "count", "minutes").order_by("pk"))
    assert trade_facts_rebuild(order_ids=[order.pk]) == 0
    assert (
        list(StageMonth.objects.values_list("stage", "count", "minutes").order_by("pk")) == before
    )


def test_the_rollups_always_equal_a_group_by_over_the_facts(journey):
    for n in range(3):
        order = journey.pay(journey.consumer_order(quantity=n + 1, n=n))
        journey.receive(journey.pack(order))
    business = journey.pay(journey.business_order(quantity=4))
    journey.receive(journey.pack(business))
    journey.consolidate()
    journey.depart()
    journey.land()
    facts = TradeFact.objects.aggregate(
        q=Sum("quantity"), myr=Sum("value_myr_minor"), usd=Sum("value_usd_minor")
    )
    rolled = ExportDay.objects.aggregate(
        q=Sum("quantity"), myr=Sum("value_myr_minor"), usd=Sum("value_usd_minor"), o=Sum("orders")
    )
    assert (rolled["q"], rolled["myr"], rolled["usd"]) == (facts["q"], facts["myr"], facts["usd"])
    assert rolled["o"] == 4 and facts["q"] == 1 + 2 + 3 + 4
    by_kind = dict(ExportDay.objects.values_list("kind").annotate(Sum("orders")))
    assert by_kind == {"b2c": 3, "b2b": 1}
    seller = SellerMonth.objects.get()
    assert (seller.orders, seller.value_myr_minor) == (4, 45_00 * 10)
    # rebuilding every order again moves nothing
    for order_id in TradeFact.objects.values_list("order_id", flat=True).distinct():
        assert trade_facts_rebuild(order_ids=[order_id]) == 0
    assert trade_facts_rebuild(order_ids=TradeFact.objects.values_list("order_id", flat=True)) == 0
    assert ExportDay.objects.aggregate(q=Sum("quantity"))["q"] == 10


def test_a_chunk_of_orders_is_rebuilt_with_the_queries_of_one(journey):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    orders = []
    for n in range(4):
        order = journey.pay(journey.consumer_order(quantity=n + 1, n=n))
        journey.receive(journey.pack(order))
        orders.append(order.pk)
    journey.consolidate()
    journey.depart()
    expected = {
        (f.order_id, f.line_no): f.value_myr_minor
        for f in TradeFact.objects.filter(order_id__in=orders)
    }
    assert len(expected) == 4

    def rebuilt(ids) -> int:
        TradeFact.objects.filter(order_id__in=ids).delete()  # the rollups are left as they are:
        with CaptureQueriesContext(connection) as captured:  # only the queries are counted
            assert trade_facts_rebuild(order_ids=ids) == len(ids)
        return len(captured)

    one, all_four = rebuilt(orders[:1]), rebuilt(orders)
    assert one == all_four
    again = {(f.order_id, f.line_no): f.value_myr_minor for f in TradeFact.objects.all()}
    assert again == expected


def test_deferred_rebuilds_leave_the_facts_and_rollups_of_one_rebuild_per_step(journey):
    """A bulk job (the demo's seeding) rebuilds each order's facts once at its end: the
    facts and rollups one rebuild per step would have left, also when the job fails."""
    with trade_facts_deferred() as waiting:
        order = journey.pay(journey.consumer_order(quantity=2))
        journey.deliver(journey.ship(order))
        journey.run(
            escrow_release, order=Order.objects.get(pk=order.pk), actor_label="b", reason="ok"
        )
        assert waiting == {order.pk} and not TradeFact.objects.exists()
    fact = TradeFact.objects.get()
    assert fact.status == "completed"
    assert None not in (fact.departed_at, fact.arrived_at, fact.delivered_at)
    assert fact.escrow_released_at is not None
    assert StageMonth.objects.get(stage="flight", breakdown="lane").count == 1
    assert ExportDay.objects.get().quantity == 2
    assert trade_facts_rebuild(order_ids=[order.pk]) == 0  # as a rebuild at every step leaves it

    # a job that fails half way keeps the facts of what it committed
    TradeFact.objects.all().delete()
    TradeFactOrder.objects.all().delete()
    with pytest.raises(RuntimeError), trade_facts_deferred():
        _failing_job(order.pk)
    assert TradeFact.objects.get().order_id == order.pk


def _failing_job(order_id: int) -> None:
    trade_facts_refresh_many(order_ids=[order_id, order_id])
    raise RuntimeError("the job failed")


def test_one_orders_failed_deferred_rebuild_leaves_the_others_done(journey, monkeypatch, caplog):
    from analytics.services import facts

    first = journey.pay(journey.consumer_order(quantity=1))
    second = journey.pay(journey.consumer_order(quantity=2, n=1))
    rebuild = facts.trade_facts_rebuild

    def broken_for_the_first(*, order_ids):
        if first.pk in order_ids:
            raise ValueError("a bug")
        return rebuild(order_ids=order_ids)

    monkeypatch.setattr(facts, "trade_facts_rebuild", broken_for_the_first)
    with trade_facts_deferred():
        trade_facts_refresh_many(order_ids=[first.pk, second.pk])
    assert f"the facts of order {first.pk} not rebuilt" in caplog.text
    assert TradeFactOrder.objects.filter(order_id=second.pk).exists()


def test_percentiles_are_read_from_the_histogram():
    histogram = {bucket_of(10): 50, bucket_of(100): 40, bucket_of(1000): 10}
    assert 9 <= percentile(histogram, 0.5) <= 12
    assert 95 <= percentile(histogram, 0.9) <= 120
    assert percentile({}, 0.5) is None
