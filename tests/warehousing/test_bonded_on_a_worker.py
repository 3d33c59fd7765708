"""The bonded warehouse with a real Celery worker on Redis, on PostgreSQL, as production runs
it: a seller's shipment of three SKUs is counted in with one line short and the seller is
told; a hundred consumers order the last ten units of one SKU at once and exactly ten get
them; each of the ten clears as a 1210 retail import and lands on the Hangzhou operators' pick
list, where they pick and pack it and hand it to the courier, whose scan delivers it; a
cycle count finds a unit missing, which the hub's customs officer approves; and the bonded
ledger then reconciles to zero difference against the shelves, SKU by SKU."""

import os
import threading
from contextlib import nullcontext
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from moneyed import Money

from customs.models import Declaration
from customs.services.decisions import declaration_decide
from ewtp.common.errors import ConflictError, NotAllowedError
from hubs.models import Order
from hubs.services.placement import Consumer, LineRequest, OrderRequest
from payments.services.fx import fx_rates_load
from tests import factories
from tests.concurrency import at_once, postgres_only
from tests.conftest import celery_worker
from tests.journey import Journey, resident_id, until, worker_settles, world_build
from warehousing.errors import WarehousingErrorCode
from warehousing.models import (
    Adjustment,
    Fulfilment,
    FulfilmentEvent,
    InboundShipment,
    LedgerEntry,
    Reservation,
    StockLot,
)
from warehousing.selectors import bonded_ledger
from warehousing.services.adjustments import Count, adjustment_decide, cycle_count
from warehousing.services.fulfilment import fulfilment_dispatch, fulfilment_pack, fulfilment_scan
from warehousing.services.inbound import (
    InboundLineRequest,
    LineCount,
    inbound_arrive,
    inbound_book,
    inbound_receive,
)
from warehousing.services.orders import stock_order_place

from .support import warehouse_at

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI has it)"),
    postgres_only,
    pytest.mark.django_db(transaction=True),
]

CONSUMERS = 100
LAST_UNITS = 10
# The hundred orders start together but reach the database through a pool this size, as a
# web tier's requests do: a hundred connections of their own, with the worker's and this
# test's, would be more than PostgreSQL's default max_connections (100) lets in.
CONNECTIONS = 30


@pytest.fixture
def bonded(kul, hgh, isolated_queue, hs_nomenclature):
    """The journey's world on a real worker, with two more SKUs of its seller that China's
    positive list admits (skin care, chocolate) and an empty bonded warehouse at HGH."""
    world = world_build()
    seller = world.seller
    cream = factories.ProductFactory(
        seller=seller,
        hs_code="330499",
        title_en="Bird's nest moisturising cream 50 ml",
        unit_price=Money("79.00", seller.currency),
        unit_weight_kg=Decimal("0.120"),
    )
    chocolate = factories.ProductFactory(
        seller=seller,
        hs_code="180690",
        title_en="Dark chocolate 70 %",
        unit_price=Money("18.50", seller.currency),
        unit_weight_kg=Decimal("0.120"),
    )
    with celery_worker(isolated_queue):
        journey = Journey(world, worker_settles)
        journey.run(fx_rates_load)  # → customs rates of the day, on the worker
        journey.skus = {"scarf": world.product, "cream": cream, "chocolate": chocolate}
        journey.warehouse = warehouse_at(world.hgh)
        yield journey


def test_bonded_stock_from_inbound_to_a_reconciled_ledger_on_a_real_worker(bonded):
    journey, started = bonded, timezone.now() - timedelta(seconds=1)
    shipment = received_with_one_line_short(journey)
    orders = ten_of_a_hundred_consumers_get_the_last_ten_units(journey)
    each_clears_as_a_retail_import_onto_the_pick_list(journey, orders)
    the_operator_picks_packs_and_hands_each_over(journey, orders)
    the_courier_delivers_them(journey, orders)
    a_missing_unit_counted_waits_for_the_officer(journey)
    the_bonded_ledger_reconciles_to_zero_difference(journey, started, shipment)


def received_with_one_line_short(journey) -> InboundShipment:
    world, skus, warehouse = journey.world, journey.skus, journey.warehouse
    expires = timezone.localdate() + timedelta(days=365)
    announced = [
        (skus["scarf"], 50, "SC-2611", None, "A-01"),
        (skus["cream"], 30, "CR-2611", expires, "A-02"),
        # the contested SKU in two lots: the one that expires first goes first
        (skus["chocolate"], 4, "CH-A", expires - timedelta(days=180), "B-01"),
        (skus["chocolate"], 6, "CH-B", expires, "B-01"),
    ]
    shipment = journey.run(
        inbound_book,
        seller=world.seller,
        warehouse=warehouse,
        expected_on=timezone.localdate() + timedelta(days=2),
        lines=[
            InboundLineRequest(product=product, quantity=units, lot=lot, expires_on=expiry)
            for product, units, lot, expiry, _place in announced
        ],
        actor=world.seller_owner,
    )
    shipment = journey.run(
        inbound_arrive,
        shipment=shipment,
        actor=world.hgh_operator,
        entry_declaration="E3301202612070001",
    )
    lines = list(shipment.lines.order_by("line_no"))
    counted = [48, 30, 4, 6]  # two scarves short
    shipment = journey.run(
        inbound_receive,
        shipment=shipment,
        counts=[
            LineCount(
                line_id=line.pk,
                received=units,
                location_code=place,
                note="2 units short of the notice" if units != line.quantity_expected else "",
            )
            for line, units, (*_, place) in zip(lines, counted, announced, strict=True)
        ],
        actor=world.hgh_operator,
    )
    shipment = InboundShipment.objects.get(pk=shipment.pk)
    assert shipment.status == InboundShipment.Status.RECEIVED
    assert shipment.discrepancy_count == 1
    (short,) = [line for line in shipment.lines.all() if line.has_discrepancy]
    assert (short.product_id, short.difference) == (skus["scarf"].pk, -2)
    # the seller is told, line by line (the worker ran the subscriber)
    (told,) = [m for m in mail.outbox if shipment.reference in m.subject]
    assert world.seller_owner.email in told.to
    assert "with 1 discrepancies" in told.subject
    assert "50 announced, 48 received, 0 damaged (discrepancy)" in told.body
    assert on_hand(skus) == {"scarf": 48, "cream": 30, "chocolate": 10}
    return shipment


def ten_of_a_hundred_consumers_get_the_last_ten_units(journey) -> list[Order]:
    world, chocolate, warehouse = journey.world, journey.skus["chocolate"], journey.warehouse
    pool = threading.BoundedSemaphore(CONNECTIONS)

    def order_of(n: int):
        request = OrderRequest(
            seller=world.seller,
            destination_hub=world.hgh,
            channel=world.channel,
            lines=[LineRequest(chocolate.pk, 1)],
            incoterm="DDP",  # bonded goods are sold duty paid
            consumer=Consumer(
                name=f"Zhou Min {n}",
                # one address per consumer: several at one address is a risk rule's signal
                address=f"{200 + n} Jiefang Road, Hangzhou",
                country="CN",
                id_reference=resident_id(9000 + n),
            ),
        )

        def place():
            with pool:
                try:
                    return stock_order_place(
                        request=request, warehouse=warehouse, actor_label="Shop"
                    )
                finally:
                    connection.close()  # back to the pool before the slot is given up

        return place

    results = at_once(*(order_of(n) for n in range(CONSUMERS)))
    placed = [result for result in results if isinstance(result, Order)]
    refused = [result for result in results if isinstance(result, ConflictError)]
    assert (len(placed), len(refused)) == (LAST_UNITS, CONSUMERS - LAST_UNITS), results
    assert {error.code for error in refused} == {WarehousingErrorCode.OUT_OF_STOCK}
    # the refused left nothing behind: no order, no fulfilment, no claim
    assert Order.objects.count() == Fulfilment.objects.count() == LAST_UNITS
    assert Reservation.objects.aggregate(units=Sum("quantity"))["units"] == LAST_UNITS
    lots = StockLot.objects.filter(product=chocolate).order_by("lot")
    assert [(lot.lot, lot.on_hand, lot.reserved) for lot in lots] == [
        ("CH-A", 4, 4),
        ("CH-B", 6, 6),
    ]
    until(lambda: Order.objects.filter(status="awaiting_payment").count() == LAST_UNITS, "paying")
    return list(Order.objects.filter(pk__in=[order.pk for order in placed]))


def each_clears_as_a_retail_import_onto_the_pick_list(journey, orders):
    world = journey.world
    # the bank's ten notifications, then the worker's steps for all of them
    at_the_bank = Journey(world, nullcontext)
    with worker_settles():
        for order in orders:
            at_the_bank.pay(order)
    for declaration in Declaration.objects.filter(status=Declaration.Status.LANE):
        # an officer looks at what the risk rules routed to the lanes (none expected)
        journey.run(
            declaration_decide,
            declaration=declaration,
            decision="release",
            reason="Checked: as declared.",
            actor=world.hgh_customs,
        )
    for order in orders:
        declaration = Declaration.objects.get(order=order)
        fulfilment = Fulfilment.objects.get(order=order)
        assert declaration.regime == "CN_CBEC_IMPORT"
        assert declaration.supervision_mode == "1210"
        assert declaration.status == Declaration.Status.RELEASED, declaration.match_differences
        assert declaration.waybill == fulfilment.waybill
        assert fulfilment.status == Fulfilment.Status.RELEASED
        assert fulfilment.release_declaration == declaration.reference
        assert not fulfilment.events.exists()  # nobody has touched the goods yet
        assert Order.objects.get(pk=order.pk).status == Order.Status.IN_CUSTOMS
    # written off the bonded ledger by each release; still on the shelf until picked
    released = LedgerEntry.objects.filter(movement=LedgerEntry.Movement.RELEASED)
    assert released.aggregate(units=Sum("quantity"))["units"] == -LAST_UNITS
    assert on_hand(journey.skus)["chocolate"] == LAST_UNITS


def the_operator_picks_packs_and_hands_each_over(journey, orders):
    world = journey.world
    floor = Client()
    floor.force_login(world.hgh_operator)
    pick_list = floor.get("/warehouses/floor/").context["pick_list"]
    assert {f.order_id for f in pick_list} == {order.pk for order in orders}
    claims = [
        (c.stock_lot.location.code, c.stock_lot.lot) for f in pick_list for c in f.claims.all()
    ]
    assert sorted(claims) == [("B-01", "CH-A")] * 4 + [("B-01", "CH-B")] * 6
    # the hand-overs' events reach the worker, which ships the orders
    with worker_settles():
        for fulfilment in pick_list:
            fulfilment = fulfilment_pack(fulfilment=fulfilment, actor=world.hgh_operator)
            fulfilment_dispatch(fulfilment=fulfilment, actor=world.hgh_operator)
    for fulfilment in Fulfilment.objects.filter(order__in=orders):
        assert fulfilment.status == Fulfilment.Status.DISPATCHED
        codes = list(fulfilment.events.values_list("code", flat=True))
        assert codes == [
            FulfilmentEvent.Code.PICKED,
            FulfilmentEvent.Code.PACKED,
            FulfilmentEvent.Code.HANDED_OVER,
        ]
    statuses = set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status"))
    assert statuses == {(Order.Status.SHIPPED,)}
    assert on_hand(journey.skus)["chocolate"] == 0


def the_courier_delivers_them(journey, orders):
    world = journey.world
    with worker_settles():
        for fulfilment in Fulfilment.objects.filter(order__in=orders):
            fulfilment_scan(
                fulfilment=fulfilment,
                code=FulfilmentEvent.Code.DELIVERED,
                actor=world.hgh_operator,
            )
    statuses = set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status"))
    assert statuses == {(Order.Status.DELIVERED,)}
    assert on_hand(journey.skus)["chocolate"] == 0
    assert not StockLot.objects.filter(reserved__gt=0).exists()


def a_missing_unit_counted_waits_for_the_officer(journey):
    world, scarf, warehouse = journey.world, journey.skus["scarf"], journey.warehouse
    lot = StockLot.objects.get(product=scarf)
    (adjustment,) = journey.run(
        cycle_count,
        warehouse=warehouse,
        counts=[Count(stock_lot_id=lot.pk, counted=lot.on_hand - 1)],  # a unit went missing
        actor=world.hgh_operator,
    )
    assert (adjustment.status, adjustment.quantity) == (Adjustment.Status.REQUESTED, -1)
    assert StockLot.objects.get(pk=lot.pk).on_hand == 48  # the books wait for customs
    with pytest.raises(NotAllowedError):  # the operator who counted does not approve it
        adjustment_decide(adjustment=adjustment, approve=True, actor=world.hgh_operator)
    adjustment = journey.run(
        adjustment_decide, adjustment=adjustment, approve=True, actor=world.hgh_customs
    )
    assert adjustment.status == Adjustment.Status.APPROVED
    assert StockLot.objects.get(pk=lot.pk).on_hand == 47


def the_bonded_ledger_reconciles_to_zero_difference(journey, started, shipment):
    skus = journey.skus
    rows = {
        row.product.pk: row for row in bonded_ledger(warehouse=journey.warehouse, start=started)
    }
    assert set(rows) == {product.pk for product in skus.values()}
    shelves = on_hand(skus)
    for name, product in skus.items():
        row = rows[product.pk]
        assert row.physical == shelves[name]
        assert row.difference == 0, (name, row)
        assert row.closing == row.came_in + row.released + row.adjusted
        assert (row.opening, row.returned, row.destroyed) == (0, 0, 0)
    figures = {
        name: (rows[p.pk].came_in, rows[p.pk].released, rows[p.pk].adjusted, rows[p.pk].closing)
        for name, p in skus.items()
    }
    assert figures == {
        "scarf": (48, 0, -1, 47),
        "cream": (30, 0, 0, 30),
        "chocolate": (10, -LAST_UNITS, 0, 0),
    }
    assert shipment.entry_declaration == "E3301202612070001"


def on_hand(skus) -> dict[str, int]:
    """Units on the shelves per SKU, every lot and location."""
    return {
        name: StockLot.objects.filter(product=product).aggregate(units=Sum("on_hand"))["units"] or 0
        for name, product in skus.items()
    }
