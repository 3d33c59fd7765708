"""Bonded stock when transactions race (PostgreSQL, each call on its own connection): a
shipment counted in twice at once goes into stock once, and a receipt racing an order for the
same lot lets both through; an order reserving units while an officer approves a count that
found fewer never leaves more reserved than on hand; an unpaid order's expiry racing its
payment puts its units back at most once. Each with its negative control: the same calls on
different rows all take effect."""

from contextlib import nullcontext
from datetime import timedelta

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from customs.models import Declaration
from ewtp.common.errors import ConflictError
from hubs.models import Order
from hubs.services.orders import orders_expire
from payments.services.fx import fx_rates_load
from tests.concurrency import at_once, postgres_only
from tests.journey import Journey, world_build
from warehousing.errors import WarehousingErrorCode
from warehousing.models import (
    Adjustment,
    Fulfilment,
    InboundShipment,
    LedgerEntry,
    StockLot,
)
from warehousing.services.adjustments import adjustment_decide, adjustment_request
from warehousing.services.inbound import (
    InboundLineRequest,
    LineCount,
    inbound_arrive,
    inbound_book,
    inbound_receive,
)

from .support import stock_consumer_order, stock_in, warehouse_at

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bonded(kul, hgh, hs_nomenclature):
    """The journey's world, each commit running its pipeline steps (eager), and an empty
    bonded warehouse at HGH."""
    journey = Journey(world_build(), nullcontext)
    journey.run(fx_rates_load)
    journey.warehouse = warehouse_at(journey.world.hgh)
    return journey


def arrived(journey, units: int, lot: str) -> InboundShipment:
    world = journey.world
    shipment = inbound_book(
        seller=world.seller,
        warehouse=journey.warehouse,
        expected_on=timezone.localdate(),
        lines=[InboundLineRequest(product=world.product, quantity=units, lot=lot)],
        actor=world.seller_owner,
    )
    return inbound_arrive(shipment=shipment, actor=world.hgh_operator, entry_declaration=f"E-{lot}")


def receive(journey, shipment):
    counts = [
        LineCount(line_id=line.pk, received=line.quantity_expected, location_code="A-01")
        for line in shipment.lines.all()
    ]
    return lambda: inbound_receive(
        shipment=shipment, counts=counts, actor=journey.world.hgh_operator
    )


def units(**where) -> tuple[int, int]:
    totals = StockLot.objects.filter(**where).aggregate(on=Sum("on_hand"), res=Sum("reserved"))
    return totals["on"] or 0, totals["res"] or 0


def test_a_shipment_counted_in_twice_at_once_goes_into_stock_once(bonded):
    shipment = arrived(bonded, 40, "L1")
    at_once(receive(bonded, shipment), receive(bonded, shipment))
    assert InboundShipment.objects.get(pk=shipment.pk).status == "received"
    assert units() == (40, 0)
    assert LedgerEntry.objects.filter(movement="in").count() == 1
    # the negative control: two shipments of the same lot counted at once both go in
    first, second = arrived(bonded, 5, "L2"), arrived(bonded, 7, "L2")
    at_once(receive(bonded, first), receive(bonded, second))
    assert units(lot="L2") == (12, 0)
    assert StockLot.objects.filter(lot="L2").count() == 1
    assert LedgerEntry.objects.filter(movement="in", lot="L2").count() == 2


def test_a_receipt_racing_an_order_for_the_same_sku_both_take_effect(bonded):
    world = bonded.world
    stock_in(bonded, bonded.warehouse, [(world.product, 5, "L1")], operator=world.hgh_operator)
    more = arrived(bonded, 10, "L1")  # into the lot the order reserves from
    results = at_once(
        receive(bonded, more),
        lambda: stock_consumer_order(bonded, bonded.warehouse, world.product, quantity=4),
    )
    assert None not in results, results  # neither failed on the database
    assert isinstance(results[1], Order)
    assert units() == (15, 4)
    assert LedgerEntry.objects.filter(movement="in").count() == 2


def counted_short(journey, lot: StockLot, missing: int) -> Adjustment:
    return adjustment_request(
        stock_lot=lot,
        kind=Adjustment.Kind.COUNT,
        quantity=-missing,
        reason="Cycle count",
        actor=journey.world.hgh_operator,
    )


def test_a_reservation_racing_a_count_approval_never_oversells(bonded):
    world = bonded.world
    stock_in(bonded, bonded.warehouse, [(world.product, 5, "")], operator=world.hgh_operator)
    lot = StockLot.objects.get()
    adjustment = counted_short(bonded, lot, 2)  # 3 on the shelf, not 5
    results = at_once(
        lambda: adjustment_decide(adjustment=adjustment, approve=True, actor=world.hgh_customs),
        lambda: stock_consumer_order(bonded, bonded.warehouse, world.product, quantity=4),
    )
    # neither fails on the database (a deadlock would be a 500 to the consumer or the
    # officer); a thread that did left its traceback above
    assert None not in results, results
    # whichever went first, the other was refused: 3 units cannot serve 4
    refused = [result for result in results if isinstance(result, ConflictError)]
    assert len(refused) == 1 and refused[0].code == WarehousingErrorCode.OUT_OF_STOCK, results
    lot.refresh_from_db()
    assert lot.reserved <= lot.on_hand
    if isinstance(results[0], Adjustment):  # the count went first: the order found 3
        assert (lot.on_hand, lot.reserved, Order.objects.count()) == (3, 0, 0)
        assert LedgerEntry.objects.filter(movement="adjusted").get().quantity == -2
    else:  # the order went first: the count waits to be taken again
        assert (lot.on_hand, lot.reserved, Order.objects.count()) == (5, 4, 1)
        assert Adjustment.objects.get().status == Adjustment.Status.REQUESTED
        assert not LedgerEntry.objects.filter(movement="adjusted").exists()
    # the negative control: with units enough for both, both take effect
    stock_in(bonded, bonded.warehouse, [(world.product, 10, "L9")], operator=world.hgh_operator)
    roomy = StockLot.objects.get(lot="L9")
    adjustment = counted_short(bonded, roomy, 2)
    results = at_once(
        lambda: adjustment_decide(adjustment=adjustment, approve=True, actor=world.hgh_customs),
        lambda: stock_consumer_order(bonded, bonded.warehouse, world.product, quantity=4, n=1),
    )
    assert None not in results, results
    assert not [result for result in results if isinstance(result, ConflictError)], results
    assert all(lot.reserved <= lot.on_hand for lot in StockLot.objects.all())


def test_an_expiry_racing_the_payment_puts_the_units_back_at_most_once(bonded):
    world, warehouse = bonded.world, bonded.warehouse
    stock_in(bonded, warehouse, [(world.product, 10, "")], operator=world.hgh_operator)
    order = stock_consumer_order(bonded, warehouse, world.product, quantity=3)
    # a bystander's units on the same lot: a second release would take them
    bystander = stock_consumer_order(bonded, warehouse, world.product, quantity=2, n=1)
    Order.objects.filter(pk=bystander.pk).update(expires_at=F("expires_at") + timedelta(days=1))
    assert units() == (10, 5)
    results = at_once(
        lambda: orders_expire(now=order.expires_at + timedelta(minutes=1)),
        lambda: bonded.pay(order),
    )
    order.refresh_from_db()
    fulfilment = Fulfilment.objects.get(order=order)
    if order.status == Order.Status.EXPIRED:  # the money came late: it goes back
        assert results[0] == 1
        assert fulfilment.status == Fulfilment.Status.CANCELLED
        assert units() == (10, 2)
        assert not Declaration.objects.filter(order=order).exists()
    else:  # paid in time: cleared, picked and dispatched; the expiry passed it by
        assert results[0] == 0
        assert fulfilment.status == Fulfilment.Status.DISPATCHED
        assert units() == (7, 2)
    assert Fulfilment.objects.get(order=bystander).status == Fulfilment.Status.RESERVED
    # and two sweeps at once expire the bystander's order and put its units back once
    Order.objects.filter(pk=bystander.pk).update(expires_at=timezone.now())
    at_once(orders_expire, orders_expire)
    assert Fulfilment.objects.get(order=bystander).status == Fulfilment.Status.CANCELLED
    assert units()[1] == 0
