"""Cycle counts and adjustments, honestly: one adjustment of a lot waits at a time (a second
count or a double click is refused, never applied twice); a count is applied only while the
lot's books still say what they said when it was counted; a shortage below what orders hold
is recorded, and its approval refused naming the orders; the bonded ledger does not
reconcile while units await their pick unaccounted or a count's difference waits; the count
page is blind (no books beside the field) and bounded (a location, a page of lots)."""

from contextlib import nullcontext
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ewtp.common.errors import ApplicationError, ConflictError
from hubs.models import Order
from payments.services.fx import fx_rates_load
from tests import factories
from tests.concurrency import at_once, postgres_only
from tests.journey import Journey, world_build
from warehousing.models import Adjustment, Fulfilment, LedgerEntry, Location, StockLot
from warehousing.selectors import bonded_ledger
from warehousing.services.adjustments import (
    MAX_LOTS_PER_COUNT,
    Count,
    adjustment_decide,
    adjustment_request,
    cycle_count,
)
from warehousing.services.fulfilment import fulfilment_pack

from .support import stock_consumer_order, stock_in, warehouse_at

pytestmark = pytest.mark.django_db

COUNT_URL = "/warehouses/floor/HGH-BW1/count/"


@pytest.fixture
def world(journey):
    return journey.world


@pytest.fixture
def bonded(journey, world):
    """The Hangzhou bonded warehouse with one lot of 10 units at A-01."""
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 10, "L1")], operator=world.hgh_operator)
    return warehouse


def count(warehouse, lot, counted, actor) -> list[Adjustment]:
    return cycle_count(
        warehouse=warehouse, counts=[Count(stock_lot_id=lot.pk, counted=counted)], actor=actor
    )


def released_order(journey, warehouse, product, *, quantity, n=0) -> Order:
    """An order paid and released by customs: its units on the pick list, still on the shelf."""
    order = journey.pay(stock_consumer_order(journey, warehouse, product, quantity=quantity, n=n))
    assert Fulfilment.objects.get(order=order).status == Fulfilment.Status.RELEASED
    return order


def test_a_second_adjustment_of_a_lot_waiting_is_refused_not_applied_twice(world, bonded):
    lot = StockLot.objects.get()
    (first,) = count(bonded, lot, 9, world.hgh_operator)
    with pytest.raises(ConflictError) as again:
        count(bonded, lot, 9, world.hgh_operator)
    assert again.value.code == "adjustment_waiting"
    assert again.value.extra["field"] == "counts.0"
    assert f"{first.document} (cycle count difference, -1) already waits" in again.value.message
    with pytest.raises(ConflictError) as write_off:
        adjustment_request(
            stock_lot=lot, kind="damaged", quantity=-1, reason="Crushed", actor=world.hgh_operator
        )
    assert write_off.value.extra["field"] == "lot"
    assert Adjustment.objects.get() == first
    adjustment_decide(adjustment=first, approve=True, actor=world.hgh_customs)
    lot.refresh_from_db()
    assert lot.on_hand == 9  # applied once
    assert LedgerEntry.objects.get(movement="adjusted").quantity == -1
    # decided: the lot is counted again
    assert count(bonded, lot, 9, world.hgh_operator) == []


def test_a_request_that_lost_the_race_to_the_constraint_is_refused_not_a_500(world, bonded):
    lot = StockLot.objects.get()
    count(bonded, lot, 9, world.hgh_operator)
    # the other request committed between this one's check and its insert
    with (
        mock.patch("warehousing.services.adjustments._waiting", return_value=None),
        pytest.raises(ConflictError) as refused,
    ):
        count(bonded, lot, 8, world.hgh_operator)
    assert "was just recorded" in refused.value.message
    assert Adjustment.objects.count() == 1


def test_a_lot_counted_twice_in_one_count_is_refused(world, bonded):
    lot = StockLot.objects.get()
    with pytest.raises(ApplicationError) as refused:
        cycle_count(
            warehouse=bonded,
            counts=[Count(stock_lot_id=lot.pk, counted=9), Count(stock_lot_id=lot.pk, counted=8)],
            actor=world.hgh_operator,
        )
    assert refused.value.extra["field"] == "counts.1"
    assert not Adjustment.objects.exists()


def test_a_count_keeps_the_books_it_was_taken_against(world, bonded):
    lot = StockLot.objects.get()
    (adjustment,) = count(bonded, lot, 7, world.hgh_operator)
    assert (adjustment.counted, adjustment.expected, adjustment.quantity) == (7, 10, -3)


def test_a_count_of_a_lot_changed_since_is_refused_at_approval(journey, world, bonded):
    lot = StockLot.objects.get()
    (adjustment,) = count(bonded, lot, 9, world.hgh_operator)  # one unit missing
    order = released_order(journey, bonded, world.product, quantity=2)
    journey.run(
        fulfilment_pack, fulfilment=Fulfilment.objects.get(order=order), actor=world.hgh_operator
    )
    lot.refresh_from_db()
    assert lot.on_hand == 8  # picked since the count
    with pytest.raises(ConflictError) as refused:
        adjustment_decide(adjustment=adjustment, approve=True, actor=world.hgh_customs)
    assert "The lot changed since it was counted (10 on the books then, 8 now)" in (
        refused.value.message
    )
    assert "count it again" in refused.value.message
    adjustment.refresh_from_db()
    assert adjustment.status == Adjustment.Status.REQUESTED
    lot.refresh_from_db()
    assert lot.on_hand == 8 and not LedgerEntry.objects.filter(movement="adjusted").exists()
    # the officer rejects it, and the operators count the lot again
    adjustment_decide(
        adjustment=adjustment, approve=False, actor=world.hgh_customs, note="Count it again"
    )
    (recount,) = count(bonded, lot, 7, world.hgh_operator)
    assert (recount.expected, recount.quantity) == (8, -1)


def test_the_officer_sees_the_change_and_the_refusal_on_the_page(client, journey, world, bonded):
    lot = StockLot.objects.get()
    (adjustment,) = count(bonded, lot, 9, world.hgh_operator)
    StockLot.objects.filter(pk=lot.pk).update(on_hand=12)  # e.g. a return since
    client.force_login(world.hgh_customs)
    page = client.get("/warehouses/adjustments/").content.decode()
    assert "9 counted, 10 on the books when counted" in page
    assert "12 on the books now: the lot changed since it was counted" in page
    response = client.post(
        "/warehouses/adjustments/",
        {"adjustment": str(adjustment.public_id), "decision": "approve"},
        follow=True,
    )
    assert "The lot changed since it was counted" in response.content.decode()
    assert Adjustment.objects.get().status == Adjustment.Status.REQUESTED


def test_a_shortage_below_what_orders_hold_is_recorded_and_its_approval_refused(
    journey, world, bonded
):
    order = released_order(journey, bonded, world.product, quantity=4)
    other = stock_consumer_order(journey, bonded, world.product, quantity=3, n=1)  # unpaid
    lot = StockLot.objects.get()
    assert (lot.on_hand, lot.reserved) == (10, 7)
    # a theft: 5 on the shelf, and orders hold 7 of the 10 on the books
    (shortage,) = count(bonded, lot, 5, world.hgh_operator)
    assert (shortage.status, shortage.quantity, shortage.counted) == ("requested", -5, 5)
    with pytest.raises(ConflictError) as refused:
        adjustment_decide(adjustment=shortage, approve=True, actor=world.hgh_customs)
    message = refused.value.message
    assert refused.value.code == "out_of_stock"
    assert "7 units of this lot are held by orders not yet picked" in message
    assert order.reference in message and other.reference in message
    assert "only 5 would be left" in message and "Reject the adjustment" in message
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (10, 7)  # no order is cancelled by it
    assert Order.objects.get(pk=other.pk).status != Order.Status.CANCELLED
    adjustment_decide(
        adjustment=shortage, approve=False, actor=world.hgh_customs, note="Orders hold them"
    )
    # write-offs still take only the units no order holds
    with pytest.raises(ApplicationError) as write_off:
        adjustment_request(
            stock_lot=lot, kind="damaged", quantity=-4, reason="Wet", actor=world.hgh_operator
        )
    assert "at most 3 can go" in write_off.value.message


def test_outside_a_bonded_warehouse_a_shortage_below_orders_is_refused_at_once(journey, world):
    plain = warehouse_at(world.hgh, bonded=False, code="HGH-W2")
    stock_in(journey, plain, [(world.product, 4, "")], operator=world.hgh_operator)
    order = stock_consumer_order(journey, plain, world.product, quantity=3)
    lot = StockLot.objects.get()
    with pytest.raises(ConflictError) as refused:
        count(plain, lot, 1, world.hgh_operator)
    assert order.reference in refused.value.message
    assert "Record it once those orders are picked or cancelled" in refused.value.message
    assert refused.value.extra["field"] == "counts.0"
    assert not Adjustment.objects.exists()
    lot.refresh_from_db()
    assert lot.on_hand == 4


def test_the_ledger_shows_units_awaiting_pick_and_counts_awaiting_approval(
    client, journey, world, bonded
):
    order = released_order(journey, bonded, world.product, quantity=3)
    client.force_login(world.hgh_customs)
    response = client.get("/warehouses/ledger/")
    (row,) = response.context["rows"]
    assert (row.closing, row.physical, row.awaiting_pick, row.difference) == (7, 10, 3, 0)
    assert "Reconciles: 0 difference" in response.content.decode()

    lot = StockLot.objects.get()
    (surplus,) = count(bonded, lot, 11, world.hgh_operator)
    response = client.get("/warehouses/ledger/")
    (row,) = response.context["rows"]
    assert (row.difference, row.counted_pending, row.reconciles) == (0, 1, False)
    totals = response.context["totals"]
    assert (totals.difference, totals.counted_pending, totals.reconciles) == (0, 1, False)
    page = response.content.decode()
    assert "Reconciles" not in page
    assert "a cycle count found a difference of 1 unit that waits" in page
    assert 'class="status-rejected"' in page

    adjustment_decide(adjustment=surplus, approve=True, actor=world.hgh_customs)
    journey.run(
        fulfilment_pack, fulfilment=Fulfilment.objects.get(order=order), actor=world.hgh_operator
    )
    response = client.get("/warehouses/ledger/")
    (row,) = response.context["rows"]
    assert (row.closing, row.physical, row.awaiting_pick, row.counted_pending) == (8, 8, 0, 0)
    assert row.reconciles and "Reconciles: 0 difference" in response.content.decode()


def test_the_ledger_reads_five_queries_now_and_two_for_a_past_month(journey, world, bonded):
    released_order(journey, bonded, world.product, quantity=1)
    count(bonded, StockLot.objects.get(), 9, world.hgh_operator)
    now = timezone.now()
    with CaptureQueriesContext(connection) as current:
        (row,) = bonded_ledger(warehouse=bonded, start=now - timedelta(days=1))
    assert len(current) == 5 and (row.awaiting_pick, row.counted_pending) == (1, -1)
    with CaptureQueriesContext(connection) as past:
        (row,) = bonded_ledger(warehouse=bonded, start=now - timedelta(days=2), end=now)
    assert len(past) == 2 and (row.physical, row.awaiting_pick, row.reconciles) == (None,) * 3


def test_the_count_page_is_blind_and_shows_one_location(client, journey, world, bonded):
    other = factories.ProductFactory(seller=world.seller, sku="SCARF-2")
    third = factories.ProductFactory(seller=world.seller, sku="SCARF-3")
    stock_in(
        journey,
        bonded,
        [(other, 4817, "L2"), (third, 6, "L3"), (third, 5, "L4")],
        operator=world.hgh_operator,
    )
    b01 = Location.objects.get(warehouse=bonded, code="B-01")
    StockLot.objects.filter(lot="L3").update(location=b01)
    StockLot.objects.filter(lot="L4").update(on_hand=0)  # nothing left to count
    released_order(journey, bonded, other, quantity=2)
    client.force_login(world.hgh_operator)

    response = client.get(COUNT_URL)
    assert response.status_code == 200
    assert response.context["location"] == "A-01"  # the first with something to count
    assert response.context["locations"] == {"A-01": 2, "B-01": 1}
    assert {lot.lot for lot in response.context["lots"]} == {"L1", "L2"}
    page = response.content.decode()
    # no book quantity anywhere: not beside the field, not in the write-off form's lots
    for books in ("4817", "4815"):
        assert books not in page
    assert "On the books" not in page and "Reserved" not in page

    response = client.get(f"{COUNT_URL}?location=B-01")
    assert [lot.lot for lot in response.context["lots"]] == ["L3"]
    response = client.get(f"{COUNT_URL}?location=A-02")
    assert response.context["lots"] == [] and "Nothing to count at A-02" in (
        response.content.decode()
    )

    lot = StockLot.objects.get(lot="L2")
    response = client.post(
        f"{COUNT_URL}?location=A-01", {"action": "count", f"lot_{lot.pk}": "4816"}, follow=True
    )
    assert "waits for a customs officer" in response.content.decode()
    assert response.redirect_chain[-1][0] == f"{COUNT_URL}?location=A-01"
    assert Adjustment.objects.get().quantity == -1
    # the lot waiting has no field until it is decided, and its figures are not shown
    page = client.get(COUNT_URL).content.decode()
    assert f'name="lot_{lot.pk}"' not in page
    assert f'name="lot_{StockLot.objects.get(lot="L1").pk}"' in page
    assert "awaits a customs officer" in page and "4816" not in page


def test_a_count_sent_twice_shows_the_refusal_on_its_lot(client, world, bonded):
    lot = StockLot.objects.get()
    client.force_login(world.hgh_operator)
    data = {"action": "count", f"lot_{lot.pk}": "9"}
    assert client.post(COUNT_URL, data).status_code == 302
    response = client.post(COUNT_URL, data)  # a double click, or a second tab
    assert response.status_code == 200
    errors = response.context["count_form"].errors[f"lot_{lot.pk}"]
    assert "already waits for a customs officer" in errors[0]
    assert Adjustment.objects.count() == 1
    # a write-off of the same lot is refused on its lot field too
    response = client.post(
        COUNT_URL,
        {"action": "adjust", "lot": str(lot.pk), "kind": "damaged", "quantity": "1"}
        | {"reason": "Crushed"},
    )
    assert response.status_code == 200
    assert "already waits" in str(response.context["adjust_form"].errors["lot"])
    assert Adjustment.objects.count() == 1


def test_a_count_is_bounded_a_page_of_lots_at_a_time(client, journey, world, bonded):
    assert MAX_LOTS_PER_COUNT + 10 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    stock_in(
        journey,
        bonded,
        [(world.product, 1, f"M{n}") for n in range(4)],
        operator=world.hgh_operator,
    )
    client.force_login(world.hgh_operator)
    with (
        mock.patch("warehousing.views.counts.MAX_LOTS_PER_COUNT", 2),
        mock.patch("warehousing.forms.MAX_LOTS_PER_COUNT", 2),
    ):
        first = client.get(COUNT_URL)
        second = client.get(f"{COUNT_URL}?location=A-01&page=3")
    assert len(first.context["count_form"].fields) == 2
    assert first.context["page_obj"].paginator.num_pages == 3
    assert [lot.lot for lot in second.context["lots"]] == ["M3"]
    assert "Page 3 of 3" in second.content.decode()
    lots = list(StockLot.objects.all())
    with (
        mock.patch("warehousing.services.adjustments.MAX_LOTS_PER_COUNT", 2),
        pytest.raises(ApplicationError) as refused,
    ):
        cycle_count(
            warehouse=bonded,
            counts=[Count(stock_lot_id=lot.pk, counted=lot.on_hand) for lot in lots[:3]],
            actor=world.hgh_operator,
        )
    assert "at most 2 lots" in refused.value.message


def queries(fetch) -> int:
    with CaptureQueriesContext(connection) as context:
        response = fetch()
        assert response.status_code == 200, response.content[:300]
    return len(context)


def test_the_count_page_costs_the_same_queries_for_one_lot_or_many(client, journey, world, bonded):
    client.force_login(world.hgh_operator)

    def grow(start, n):
        for index in range(start, start + n):
            product = factories.ProductFactory(seller=world.seller, sku=f"C-{index:03d}")
            stock_in(
                journey,
                bonded,
                [(product, 3, "A"), (product, 3, "B")],
                operator=world.hgh_operator,
            )
            waiting = StockLot.objects.get(product=product, lot="A")
            count(bonded, waiting, 2, world.hgh_operator)
            released_order(journey, bonded, product, quantity=1, n=10 + index)

    grow(0, 1)
    few = queries(lambda: client.get(COUNT_URL))
    grow(1, 6)
    assert queries(lambda: client.get(COUNT_URL)) == few
    assert len(client.get(COUNT_URL).context["lots"]) == 15


@pytest.fixture
def racing(kul, hgh, hs_nomenclature):
    """The journey's world committed (each call on its own connection), a bonded warehouse
    at HGH with two lots of 10 units."""
    journey = Journey(world_build(), nullcontext)
    journey.run(fx_rates_load)
    world = journey.world
    journey.warehouse = warehouse_at(world.hgh)
    stock_in(
        journey,
        journey.warehouse,
        [(world.product, 10, "L1"), (world.product, 10, "L2")],
        operator=world.hgh_operator,
    )
    return journey


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("checked", [True, False], ids=["checked", "past-the-check"])
def test_two_counts_of_a_lot_at_once_record_one_and_refuse_the_other(racing, checked):
    world, warehouse = racing.world, racing.warehouse
    first, second = StockLot.objects.get(lot="L1"), StockLot.objects.get(lot="L2")

    def counting(lot, counted):
        return lambda: count(warehouse, lot, counted, world.hgh_operator)

    # past the check: the constraint is the last word, and its refusal is a 409, not a 500
    waiting = mock.patch("warehousing.services.adjustments._waiting", return_value=None)
    with waiting if not checked else nullcontext():
        results = at_once(counting(first, 9), counting(first, 8))
    refused = [result for result in results if isinstance(result, ConflictError)]
    recorded = [result for result in results if isinstance(result, list)]
    assert len(refused) == len(recorded) == 1, results  # neither failed on the database
    assert refused[0].code == "adjustment_waiting" and "waits for a customs officer" in (
        refused[0].message
    )
    assert Adjustment.objects.filter(stock_lot=first).count() == 1
    # the negative control: counts of two lots at once are both recorded
    Adjustment.objects.all().delete()
    results = at_once(counting(first, 9), counting(second, 8))
    assert not [result for result in results if isinstance(result, ApplicationError)], results
    assert Adjustment.objects.count() == 2
