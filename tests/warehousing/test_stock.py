"""Reserving units for orders (first expiring first, never more than there are), the counts
and adjustments of stock (an officer's approval in a bonded warehouse), and returns within
the window of the retail import rules."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from customs.models import CbecAnnualTotal, Declaration
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from hubs.models import Order
from hubs.services.placement import LineRequest, OrderRequest
from tests import factories, ledger
from warehousing.models import Adjustment, Fulfilment, FulfilmentEvent, LedgerEntry, StockLot
from warehousing.selectors import availability_by_warehouse, bonded_ledger, stock_report
from warehousing.services.adjustments import (
    Count,
    adjustment_decide,
    adjustment_request,
    cycle_count,
)
from warehousing.services.fulfilment import fulfilment_scan
from warehousing.services.orders import stock_order_place
from warehousing.services.returns import return_receive, return_request

from .support import pick_and_hand_over, stock_consumer_order, stock_in, warehouse_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(journey):
    return journey.world


@pytest.fixture
def bonded(world):
    return warehouse_at(world.hgh)


def test_units_are_taken_first_expiring_first_and_never_beyond_stock(journey, world, bonded):
    stock_in(journey, bonded, [(world.product, 3, "LATE")], operator=world.hgh_operator)
    StockLot.objects.filter(lot="LATE").update(expires_on=date(2031, 1, 1))
    stock_in(journey, bonded, [(world.product, 2, "SOON")], operator=world.hgh_operator)
    StockLot.objects.filter(lot="SOON").update(expires_on=date(2030, 1, 1))

    order = stock_consumer_order(journey, bonded, world.product, quantity=4)
    claims = {c.stock_lot.lot: c.quantity for c in Fulfilment.objects.get(order=order).claims.all()}
    assert claims == {"SOON": 2, "LATE": 2}

    orders_before = Order.objects.count()
    with pytest.raises(ConflictError) as refused:
        stock_consumer_order(journey, bonded, world.product, quantity=2, n=1)
    assert refused.value.code == "out_of_stock"
    assert "Only 1 of" in refused.value.message
    assert Order.objects.count() == orders_before  # nothing of the refused order is left


def test_bonded_stock_is_sold_to_consumers_at_its_own_hub(journey, world, bonded):
    stock_in(journey, bonded, [(world.product, 3, "")], operator=world.hgh_operator)
    business = OrderRequest(
        seller=world.seller,
        destination_hub=world.hgh,
        buyer=factories.BuyerFactory(),
        lines=[LineRequest(world.product.pk, 1)],
    )
    with pytest.raises(ApplicationError) as refused:
        stock_order_place(request=business, warehouse=bonded)
    assert (refused.value.code, refused.value.extra["field"]) == ("consumers_only", "consumer")
    elsewhere = warehouse_at(world.kul, bonded=False, code="KUL-W1")
    with pytest.raises(ApplicationError):
        stock_order_place(
            request=OrderRequest(
                seller=world.seller,
                destination_hub=world.hgh,
                buyer=factories.BuyerFactory(),
                lines=[LineRequest(world.product.pk, 1)],
            ),
            warehouse=elsewhere,
        )


def test_a_bonded_adjustment_waits_for_an_officer_of_the_hub(journey, world, bonded):
    stock_in(journey, bonded, [(world.product, 10, "L1")], operator=world.hgh_operator)
    lot = StockLot.objects.get()
    (adjustment,) = cycle_count(
        warehouse=bonded, counts=[Count(stock_lot_id=lot.pk, counted=9)], actor=world.hgh_operator
    )
    assert (adjustment.status, adjustment.quantity) == ("requested", -1)
    lot.refresh_from_db()
    assert lot.on_hand == 10  # nothing changes before the officer decides
    with pytest.raises(NotAllowedError):
        adjustment_decide(adjustment=adjustment, approve=True, actor=world.kul_customs)
    with pytest.raises(NotAllowedError):
        adjustment_decide(adjustment=adjustment, approve=True, actor=world.hgh_operator)
    with pytest.raises(ApplicationError):  # a rejection says why
        adjustment_decide(adjustment=adjustment, approve=False, actor=world.hgh_customs)
    adjustment_decide(adjustment=adjustment, approve=True, actor=world.hgh_customs)
    with pytest.raises(ConflictError):  # decided once
        adjustment_decide(adjustment=adjustment, approve=False, actor=world.hgh_customs, note="x")
    lot.refresh_from_db()
    assert lot.on_hand == 9
    (row,) = bonded_ledger(warehouse=bonded, start=timezone.now() - timedelta(days=1))
    assert (row.came_in, row.adjusted, row.closing, row.difference) == (10, -1, 9, 0)


def test_units_reserved_by_orders_cannot_be_written_off(journey, world, bonded):
    stock_in(journey, bonded, [(world.product, 3, "")], operator=world.hgh_operator)
    stock_consumer_order(journey, bonded, world.product, quantity=2)
    lot = StockLot.objects.get()
    with pytest.raises(ApplicationError) as refused:
        adjustment_request(
            stock_lot=lot, kind="damaged", quantity=-2, reason="crushed", actor=world.hgh_operator
        )
    assert refused.value.extra["field"] == "quantity"
    with pytest.raises(ApplicationError):  # damaged goods leave the stock
        adjustment_request(
            stock_lot=lot, kind="damaged", quantity=1, reason="?", actor=world.hgh_operator
        )
    destroyed = adjustment_request(
        stock_lot=lot, kind="expired", quantity=-1, reason="past date", actor=world.hgh_operator
    )
    adjustment_decide(adjustment=destroyed, approve=True, actor=world.hgh_customs)
    assert LedgerEntry.objects.get(movement="destroyed").document == destroyed.document


def test_outside_a_bonded_warehouse_an_adjustment_applies_at_once(journey, world):
    plain = warehouse_at(world.hgh, bonded=False, code="HGH-W2")
    stock_in(journey, plain, [(world.product, 4, "")], operator=world.hgh_operator)
    lot = StockLot.objects.get()
    adjustment = adjustment_request(
        stock_lot=lot, kind="damaged", quantity=-1, reason="wet", actor=world.hgh_operator
    )
    assert adjustment.status == Adjustment.Status.APPROVED
    lot.refresh_from_db()
    assert lot.on_hand == 3
    assert not LedgerEntry.objects.exists()  # no bonded ledger outside the bonded area


def _delivered_order(journey, world, bonded):
    stock_in(journey, bonded, [(world.product, 5, "L1")], operator=world.hgh_operator)
    order = journey.pay(stock_consumer_order(journey, bonded, world.product, quantity=2))
    pick_and_hand_over(journey, order, operator=world.hgh_operator)
    fulfilment = Fulfilment.objects.get(order=order)
    journey.run(
        fulfilment_scan,
        fulfilment=fulfilment,
        code=FulfilmentEvent.Code.DELIVERED,
        actor=world.hgh_operator,
    )
    return order, Fulfilment.objects.get(pk=fulfilment.pk)


def test_a_return_asked_for_in_time_is_refunded_and_gives_the_annual_total_back(
    journey, world, bonded
):
    officer = factories.UserFactory(official_role="mdec_officer")
    order, fulfilment = _delivered_order(journey, world, bonded)
    declaration = Declaration.objects.get(order=order)
    assert declaration.total_tax > 0  # DDP: paid from escrow at release
    annual = CbecAnnualTotal.objects.get()
    assert annual.total_minor == declaration.cbec_reserved_minor > 0
    with pytest.raises(ApplicationError):  # the channel asks first
        return_receive(fulfilment=fulfilment, actor=world.hgh_operator)

    fulfilment = return_request(fulfilment=fulfilment, reason="unopened", actor_label="Shop")
    journey.run(return_receive, fulfilment=fulfilment, actor=world.hgh_operator)
    assert sum(StockLot.objects.values_list("on_hand", flat=True)) == 5
    declaration.refresh_from_db()
    annual.refresh_from_db()
    assert declaration.goods_returned_at is not None and annual.total_minor == 0
    (row,) = bonded_ledger(warehouse=bonded, start=timezone.now() - timedelta(days=1))
    assert (row.released, row.returned, row.closing, row.difference) == (-2, 2, 5, 0)
    # the money: what escrow held goes back to the consumer's bank
    assert Order.objects.get(pk=order.pk).status == Order.Status.REFUNDED
    assert ledger.ledger_balanced()
    (reclaim,) = [m for m in mail.outbox if "taxes to reclaim" in m.subject]
    assert reclaim.to == [officer.email] and declaration.reference in reclaim.body


@pytest.mark.parametrize(
    ("asked_after", "arrived_after"),
    [(timedelta(days=31), None), (timedelta(days=29), timedelta(days=46))],
)
def test_a_return_outside_its_windows_is_refused(
    journey, world, bonded, asked_after, arrived_after
):
    _order, fulfilment = _delivered_order(journey, world, bonded)
    with time_machine.travel(timezone.now() + asked_after, tick=False):
        if arrived_after is None:
            with pytest.raises(ApplicationError) as refused:
                return_request(fulfilment=fulfilment, reason="late", actor_label="Shop")
            assert refused.value.code == "return_too_late"
            return
        fulfilment = return_request(fulfilment=fulfilment, reason="wrong size", actor_label="Shop")
    with (
        time_machine.travel(timezone.now() + arrived_after, tick=False),
        pytest.raises(ApplicationError) as refused,
    ):
        return_receive(fulfilment=fulfilment, actor=world.hgh_operator)
    assert refused.value.code == "return_too_late"
    assert sum(StockLot.objects.values_list("on_hand", flat=True)) == 3


def test_a_parcel_the_courier_could_not_deliver_comes_back_and_is_refunded(journey, world, bonded):
    stock_in(journey, bonded, [(world.product, 5, "L1")], operator=world.hgh_operator)
    order = journey.pay(stock_consumer_order(journey, bonded, world.product, quantity=2))
    pick_and_hand_over(journey, order, operator=world.hgh_operator)
    fulfilment = Fulfilment.objects.get(order=order)
    journey.run(return_receive, fulfilment=fulfilment, actor=world.hgh_operator, reason="refused")
    assert sum(StockLot.objects.values_list("on_hand", flat=True)) == 5
    assert Order.objects.get(pk=order.pk).status == Order.Status.REFUNDED


def test_expired_units_are_never_sold(journey, world, bonded):
    stock_in(
        journey,
        bonded,
        [(world.product, 3, "OLD"), (world.product, 2, "NEW")],
        operator=world.hgh_operator,
    )
    StockLot.objects.filter(lot="OLD").update(expires_on=timezone.localdate() - timedelta(days=1))
    StockLot.objects.filter(lot="NEW").update(expires_on=timezone.localdate() + timedelta(days=90))
    with pytest.raises(ConflictError):
        stock_consumer_order(journey, bonded, world.product, quantity=3)
    order = stock_consumer_order(journey, bonded, world.product, quantity=2, n=1)
    claims = {c.stock_lot.lot for c in Fulfilment.objects.get(order=order).claims.all()}
    assert claims == {"NEW"}
    assert availability_by_warehouse(product_ids=[world.product.pk]) == {}


def test_a_lot_code_is_received_once_with_one_expiry(journey, world, bonded):
    stock_in(journey, bonded, [(world.product, 3, "L1")], operator=world.hgh_operator)
    StockLot.objects.update(expires_on=timezone.localdate() + timedelta(days=300))
    with pytest.raises(ApplicationError) as refused:
        stock_in(
            journey,
            bonded,
            [(world.product, 2, "L1")],
            operator=world.hgh_operator,
            expires_on=timezone.localdate() + timedelta(days=900),
        )
    assert refused.value.extra["field"] == "lines.0.location"
    assert StockLot.objects.get().on_hand == 3


def test_the_sellers_stock_report(journey, world, bonded):
    stock_in(journey, bonded, [(world.product, 30, "")], operator=world.hgh_operator)
    order = journey.pay(stock_consumer_order(journey, bonded, world.product, quantity=3))
    pick_and_hand_over(journey, order, operator=world.hgh_operator)
    stock_consumer_order(journey, bonded, world.product, quantity=2, n=1)  # not paid yet
    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED
    (row,) = stock_report(seller=world.seller)
    assert (row.on_hand, row.reserved, row.available, row.sold) == (27, 2, 25, 3)
    assert row.days_of_cover == 250  # 25 units at 3 a month (0.1 a day)
