"""The seller's warehousing pages: its stock report, an inbound shipment booked with errors on
the right line, followed and cancelled, the discrepancies of its count; another seller and
the hub's people see none of it; the buyers' listing says where the goods ship from."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hubs.navigation import navigation_for
from tests import factories
from warehousing.models import InboundShipment
from warehousing.services.inbound import InboundLineRequest, inbound_book

from .support import stock_consumer_order, stock_in, warehouse_at

pytestmark = pytest.mark.django_db


def booking(product, **changes) -> dict:
    """The inbound form as the seller fills it: one line of ``product``."""
    data = {
        "warehouse": "HGH-BW1",
        "expected_on": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "carrier_reference": "784-12345675",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-product": str(product.public_id),
        "lines-0-lot": "L7",
        "lines-0-expires_on": "",
        "lines-0-quantity": "40",
    }
    return data | changes


def queries(fetch) -> int:
    with CaptureQueriesContext(connection) as context:
        response = fetch()
        assert response.status_code == 200, response.content[:300]
    return len(context)


def test_the_stock_report_shows_each_warehouse_and_sku(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 20, "L1")], operator=world.hgh_operator)
    stock_consumer_order(journey, warehouse, world.product, quantity=3)
    client.force_login(world.seller_owner)
    response = client.get("/warehouses/stock/")
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert (row.on_hand, row.reserved, row.available, row.in_transit) == (20, 3, 17, 0)
    page = response.content.decode()
    assert world.product.sku in page and "Hangzhou bonded warehouse" in page
    assert "Days of cover" in page and "On hand less reserved" in page


def test_an_empty_stock_report_says_what_to_do(client, journey):
    client.force_login(journey.world.seller_owner)
    page = client.get("/warehouses/stock/").content.decode()
    assert "Book an inbound shipment to send stock ahead of demand" in page


def test_a_seller_books_follows_and_cancels_a_shipment(client, journey):
    world = journey.world
    warehouse_at(world.hgh)
    client.force_login(world.seller_owner)
    form = client.get("/warehouses/inbound/new/")
    assert form.status_code == 200 and "bulk entry declaration" in form.content.decode()
    response = client.post("/warehouses/inbound/new/", booking(world.product))
    shipment = InboundShipment.objects.get()
    assert response.url == f"/warehouses/inbound/{shipment.public_id}/"
    (line,) = shipment.lines.all()
    assert (line.product, line.lot, line.quantity_expected) == (world.product, "L7", 40)
    assert shipment.carrier_reference == "784-12345675"
    detail = client.get(response.url).content.decode()
    assert shipment.reference in detail and "Cancel the shipment" in detail
    listing = client.get("/warehouses/inbound/").content.decode()
    assert shipment.reference in listing
    # booked: it counts as in transit
    (row,) = client.get("/warehouses/stock/").context["rows"]
    assert row.in_transit == 40
    client.post(response.url, {"action": "cancel", "reason": "Changed plans"})
    assert InboundShipment.objects.get().status == InboundShipment.Status.CANCELLED
    assert "Cancel the shipment" not in client.get(response.url).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"lines-0-quantity": "0"}, "quantity", ""),
        ({"lines-0-expires_on": "2001-01-01"}, "expires_on", "expired"),
        ({"lines-0-product": "not-a-product"}, "product", ""),
        ({"warehouse": "NOWHERE"}, "warehouse", ""),
        ({"expected_on": "2001-01-01"}, "expected_on", "today or later"),
    ],
)
def test_a_bad_booking_shows_the_error_on_its_field_and_saves_nothing(
    client, journey, changes, field, message
):
    world = journey.world
    warehouse_at(world.hgh)
    client.force_login(world.seller_owner)
    response = client.post("/warehouses/inbound/new/", booking(world.product, **changes))
    assert response.status_code == 200
    if field in ("warehouse", "expected_on"):
        errors = response.context["form"].errors
    else:
        errors = response.context["formset"].forms[0].errors
    assert field in errors and message in str(errors[field])
    assert not InboundShipment.objects.exists()


def test_the_same_product_and_lot_twice_is_refused_on_the_second_line(client, journey):
    world = journey.world
    warehouse_at(world.hgh)
    client.force_login(world.seller_owner)
    data = booking(
        world.product,
        **{"lines-1-product": str(world.product.public_id), "lines-1-lot": "L7"},
        **{"lines-1-quantity": "5"},
    )
    response = client.post("/warehouses/inbound/new/", data)
    assert "one line only" in str(response.context["formset"].forms[1].errors["lot"])
    assert not InboundShipment.objects.exists()


def test_a_received_shipment_shows_its_discrepancy(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    other = factories.ProductFactory(seller=world.seller, sku="SCARF-2")
    shipment = stock_in(
        journey,
        warehouse,
        [(world.product, 10, "L1"), (other, 5, "")],
        operator=world.hgh_operator,
        counts={1: (8, 1)},
    )
    client.force_login(world.seller_owner)
    response = client.get(f"/warehouses/inbound/{shipment.public_id}/")
    page = response.content.decode()
    assert "E3301202612070001" in page and "discrepancy" in page and "-2" in page
    assert [line.has_discrepancy for line in response.context["lines"]] == [True, False]
    listing = client.get("/warehouses/inbound/").content.decode()
    assert "1 line differs" in listing


def test_another_seller_and_the_hubs_people_see_none_of_it(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    shipment = stock_in(
        journey, warehouse, [(world.product, 10, "L1")], operator=world.hgh_operator
    )
    stranger = factories.member(factories.SellerFactory())
    client.force_login(stranger)
    assert client.get(f"/warehouses/inbound/{shipment.public_id}/").status_code == 404
    assert (
        client.post(f"/warehouses/inbound/{shipment.public_id}/", {"action": "cancel"}).status_code
        == 404
    )
    assert shipment.reference not in client.get("/warehouses/inbound/").content.decode()
    assert client.get("/warehouses/stock/").context["rows"] == []
    for official in (world.hgh_operator, world.hgh_customs):
        client.force_login(official)
        assert client.get("/warehouses/stock/").status_code == 403
        assert client.get("/warehouses/inbound/new/").status_code == 403
    client.logout()
    assert client.get("/warehouses/stock/").status_code == 302  # to sign in


def test_a_shipment_that_arrived_is_not_cancelled(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    shipment = stock_in(
        journey, warehouse, [(world.product, 10, "L1")], operator=world.hgh_operator
    )
    client.force_login(world.seller_owner)
    response = client.post(
        f"/warehouses/inbound/{shipment.public_id}/", {"action": "cancel"}, follow=True
    )
    assert "is received" in response.content.decode()
    assert InboundShipment.objects.get().status == InboundShipment.Status.RECEIVED


def test_the_sellers_lists_cost_the_same_queries_for_one_or_many(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    client.force_login(world.seller_owner)

    def grow(count, start):
        for n in range(start, start + count):
            product = factories.ProductFactory(seller=world.seller, sku=f"Q-{n:04d}")
            inbound_book(
                seller=world.seller,
                warehouse=warehouse,
                expected_on=timezone.localdate() + timedelta(days=2),
                lines=[InboundLineRequest(product=product, quantity=5, lot=f"L{n}")],
                actor=world.seller_owner,
            )

    urls = ("/warehouses/stock/", "/warehouses/inbound/")
    grow(1, 0)
    few = [queries(lambda url=url: client.get(url)) for url in urls]
    grow(20, 1)
    assert [queries(lambda url=url: client.get(url)) for url in urls] == few
    assert len(client.get("/warehouses/stock/").context["rows"]) == 21


def test_the_listing_says_where_the_goods_ship_from(client, journey):
    world = journey.world
    buyer = factories.member(factories.BuyerFactory())
    client.force_login(buyer)
    url = f"/catalogue/{world.product.public_id}/"
    assert "Ships from" not in client.get(url).content.decode()
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 4, "L1")], operator=world.hgh_operator)
    page = client.get(url).content.decode()
    assert "Ships from Hangzhou bonded warehouse (HGH), 1–2 days, to consumers" in page
    assert "Bonded warehouse" in page
    # every unit reserved: nothing a new order can have, nothing said
    stock_consumer_order(journey, warehouse, world.product, quantity=4)
    assert "Ships from" not in client.get(url).content.decode()


def test_the_sellers_menu_leads_to_its_stock(journey):
    world = journey.world
    urls = [item.url for item in navigation_for(world.seller_owner)]
    assert "/warehouses/stock/" in urls
    assert not {"/warehouses/floor/", "/warehouses/ledger/"} & set(urls)
