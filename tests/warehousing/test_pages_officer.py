"""The customs officers' pages of their hub's bonded warehouses: the bonded ledger a month at
a time, reconciled with the shelf records (less the units released and awaiting their pick,
and not while a count's difference waits), with the instruments it is kept under; the
adjustments that wait for their approval, a count beside the books then and now, approved or
rejected with a note. Officers of another hub, and anyone else, read and decide none of it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ewtp.common.months import month_added, month_of
from hubs.navigation import navigation_for
from tests import factories
from warehousing.models import Adjustment, Fulfilment, LedgerEntry, StockLot
from warehousing.services.adjustments import adjustment_request
from warehousing.services.fulfilment import fulfilment_pack

from .support import stock_consumer_order, stock_in, warehouse_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def bonded(journey):
    """The Hangzhou bonded warehouse: 20 units counted in, 2 of them sold, released and on
    the pick list (still on the shelf)."""
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 20, "L1")], operator=world.hgh_operator)
    journey.pay(stock_consumer_order(journey, warehouse, world.product, quantity=2))
    return warehouse


def request_adjustment(
    journey, *, quantity=-1, kind="count", reason="Cycle count", lot=None
) -> Adjustment:
    return adjustment_request(
        stock_lot=lot or StockLot.objects.get(),
        kind=kind,
        quantity=quantity,
        reason=reason,
        actor=journey.world.hgh_operator,
    )


def queries(fetch) -> int:
    with CaptureQueriesContext(connection) as context:
        response = fetch()
        assert response.status_code == 200, response.content[:300]
    return len(context)


def test_the_ledger_of_this_month_reconciles_to_the_shelf_records(client, journey, bonded):
    client.force_login(journey.world.hgh_customs)
    response = client.get("/warehouses/ledger/")
    assert response.status_code == 200
    (row,) = response.context["rows"]
    # the 2 released units are off the ledger and still on the shelf until they are picked
    assert (row.came_in, row.released, row.closing) == (20, -2, 18)
    assert (row.physical, row.awaiting_pick, row.under_bond, row.difference) == (20, 2, 18, 0)
    assert (row.counted_pending, row.reconciles) == (0, True)
    totals = response.context["totals"]
    assert (totals.closing, totals.physical, totals.awaiting_pick, totals.difference) == (
        18,
        20,
        2,
        0,
    )
    page = response.content.decode()
    assert "Reconciles: 0 difference" in page
    assert "Shelf records" in page and "Awaiting pick" in page
    assert "On the shelves" not in page
    for instrument in ("GACC Announcement 2014 No. 57", "GACC Order No. 256", "2018 No. 194"):
        assert instrument in page


def test_picked_units_leave_the_shelf_records_and_the_ledger_still_reconciles(
    client, journey, bonded
):
    world = journey.world
    journey.run(fulfilment_pack, fulfilment=Fulfilment.objects.get(), actor=world.hgh_operator)
    client.force_login(world.hgh_customs)
    (row,) = client.get("/warehouses/ledger/").context["rows"]
    assert (row.closing, row.physical, row.awaiting_pick, row.difference) == (18, 18, 0, 0)


def test_units_missing_from_the_shelf_records_show_as_a_difference(client, journey, bonded):
    StockLot.objects.update(on_hand=19)  # one unit gone without a document
    client.force_login(journey.world.hgh_customs)
    response = client.get("/warehouses/ledger/")
    assert response.context["totals"].difference == 1
    assert "Difference of 1 unit" in response.content.decode()


def test_a_past_month_carries_its_closing_into_the_next(client, journey, bonded):
    last_month = month_added(month_of(timezone.now()), -1)
    LedgerEntry.objects.filter(movement=LedgerEntry.Movement.IN).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    client.force_login(journey.world.hgh_customs)
    now = client.get("/warehouses/ledger/")
    (row,) = now.context["rows"]
    assert (row.opening, row.came_in, row.released, row.closing) == (20, 0, -2, 18)
    before = client.get(f"/warehouses/ledger/?month={last_month:%Y-%m}")
    assert before.status_code == 200 and not before.context["counted"]
    assert [r.physical for r in before.context["rows"]] == [None] * len(before.context["rows"])
    assert "compared with the ledger for the current month only" in before.content.decode()
    # a month still to come, or one that is not a month, is this month
    future = client.get("/warehouses/ledger/?month=2999-01")
    assert future.context["month"] == month_of(timezone.now())
    assert client.get("/warehouses/ledger/?month=junk").context["counted"]


def test_an_officer_approves_and_rejects_adjustments(client, journey, bonded):
    world = journey.world
    stock_in(journey, bonded, [(world.product, 5, "L2")], operator=world.hgh_operator)
    first, second = StockLot.objects.get(lot="L1"), StockLot.objects.get(lot="L2")
    count = request_adjustment(journey, quantity=-1, lot=first)
    damaged = request_adjustment(journey, quantity=-2, kind="damaged", reason="Crushed", lot=second)
    client.force_login(world.hgh_customs)
    page = client.get("/warehouses/adjustments/")
    assert page.status_code == 200 and page.context["adjustments"] == [count, damaged]
    text = page.content.decode()
    assert "19 counted, 20 on the books when counted" in text
    assert "20 on the books now" in text and "changed since it was counted" not in text
    assert "2 held by orders" in text
    assert "policy under customs supervision" in text
    ledger = client.get("/warehouses/ledger/")
    assert "2 adjustments await your approval" in ledger.content.decode()
    (row,) = ledger.context["rows"]
    assert (row.difference, row.counted_pending, row.reconciles) == (0, -1, False)
    response = client.post(
        "/warehouses/adjustments/",
        {"adjustment": str(count.public_id), "decision": "approve"},
        follow=True,
    )
    assert f"{count.document} approved" in response.content.decode()
    assert StockLot.objects.get(pk=first.pk).on_hand == 19
    assert LedgerEntry.objects.get(movement=LedgerEntry.Movement.ADJUSTED).quantity == -1
    # a rejection needs a note: without one nothing changes
    response = client.post(
        "/warehouses/adjustments/",
        {"adjustment": str(damaged.public_id), "decision": "reject"},
        follow=True,
    )
    assert "Say why the adjustment is rejected" in response.content.decode()
    assert Adjustment.objects.get(pk=damaged.pk).status == Adjustment.Status.REQUESTED
    client.post(
        "/warehouses/adjustments/",
        {"adjustment": str(damaged.public_id), "decision": "reject", "note": "Not damaged"},
    )
    damaged.refresh_from_db()
    assert (damaged.status, damaged.decision_note) == ("rejected", "Not damaged")
    assert StockLot.objects.get(pk=second.pk).on_hand == 5
    (row,) = client.get("/warehouses/ledger/").context["rows"]
    assert (row.adjusted, row.closing, row.physical, row.awaiting_pick) == (-1, 22, 24, 2)
    assert (row.difference, row.counted_pending, row.reconciles) == (0, 0, True)


def test_other_hubs_and_other_roles_read_and_decide_nothing(client, journey, bonded):
    world = journey.world
    adjustment = request_adjustment(journey)
    client.force_login(world.kul_customs)
    page = client.get("/warehouses/ledger/")
    assert page.status_code == 200 and page.context["warehouse"] is None
    assert client.get("/warehouses/ledger/?warehouse=HGH-BW1").status_code == 404
    assert client.get("/warehouses/adjustments/").context["adjustments"] == []
    decide = {"adjustment": str(adjustment.public_id), "decision": "approve"}
    assert client.post("/warehouses/adjustments/", decide).status_code == 404
    assert client.post("/warehouses/adjustments/", {"adjustment": "junk"}).status_code == 404
    assert Adjustment.objects.get().status == Adjustment.Status.REQUESTED
    for stranger in (world.hgh_operator, world.seller_owner):
        client.force_login(stranger)
        assert client.get("/warehouses/ledger/").status_code == 403
        assert client.post("/warehouses/adjustments/", decide).status_code == 403
    assert Adjustment.objects.get().status == Adjustment.Status.REQUESTED
    client.force_login(factories.UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/warehouses/ledger/").status_code == 404  # posted to no hub


def test_the_officers_pages_cost_the_same_queries_for_one_or_many(client, journey, bonded):
    world, warehouse = journey.world, bonded
    client.force_login(world.hgh_customs)

    def grow(start, count):
        """Per SKU: a write-off and a count's difference waiting, an order on the pick list."""
        for n in range(start, start + count):
            product = factories.ProductFactory(seller=world.seller, sku=f"Q-{n:03d}")
            stock_in(
                journey,
                warehouse,
                [(product, 3, "A"), (product, 3, "B")],
                operator=world.hgh_operator,
            )
            for lot, kind in (("A", "expired"), ("B", "count")):
                adjustment_request(
                    stock_lot=StockLot.objects.get(product=product, lot=lot),
                    kind=kind,
                    quantity=-1,
                    reason="Expired" if kind == "expired" else "Cycle count",
                    actor=world.hgh_operator,
                )
            journey.pay(stock_consumer_order(journey, warehouse, product, n=100 + n))

    grow(0, 1)
    urls = ("/warehouses/ledger/", "/warehouses/adjustments/")
    few = [queries(lambda url=url: client.get(url)) for url in urls]
    grow(1, 9)
    assert [queries(lambda url=url: client.get(url)) for url in urls] == few
    rows = client.get("/warehouses/ledger/").context["rows"]
    assert len(rows) == 11
    grown = [row for row in rows if row.product.sku.startswith("Q-")]
    assert {(row.awaiting_pick, row.counted_pending, row.difference) for row in grown} == {
        (1, -1, 0)
    }


def test_the_officers_menu_leads_to_the_ledger(journey):
    world = journey.world
    urls = [item.url for item in navigation_for(world.hgh_customs)]
    assert "/warehouses/ledger/" in urls
    assert not {"/warehouses/stock/", "/warehouses/floor/"} & set(urls)
