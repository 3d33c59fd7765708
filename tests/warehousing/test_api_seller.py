"""A seller's own system over the warehousing API: booking inbound shipments, reading what
was counted in against them, and the stock report."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ewtp.common.api_clients import api_client_secret_rotate, api_client_update
from hubs.models import Order
from hubs.services.organizations import organization_api_client_create
from tests import factories
from tests.conftest import bearer
from warehousing.models import InboundShipment

from .support import pick_and_hand_over, stock_consumer_order, stock_in, warehouse_at

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def seller(api, journey):
    """The world's seller with its own API client, and the Hangzhou bonded warehouse."""
    world = journey.world
    credentials = organization_api_client_create(
        organization=world.seller, name="ERP", actor=world.seller_owner
    )
    return {
        "world": world,
        "warehouse": warehouse_at(world.hgh),
        "product": world.product,
        "credentials": credentials,
        "auth": bearer(api, credentials),
    }


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def booking(seller, **changes) -> dict:
    body = {
        "warehouse": "HGH-BW1",
        "expected_on": in_days(5),
        "carrier_reference": "232-12345675",
        "lines": [
            {"product": str(seller["product"].public_id), "quantity": 500},
            {
                "product": str(seller["product"].public_id),
                "quantity": 40,
                "lot": "L2026-11",
                "expires_on": in_days(365),
            },
        ],
    }
    body.update(changes)
    return body


def book(api, seller, body=None, **headers):
    return api.post(
        "/api/v1/inbound-shipments",
        body if body is not None else booking(seller),
        format="json",
        **seller["auth"],
        **headers,
    )


# --- booking ------------------------------------------------------------------------------


def test_a_seller_books_a_shipment_and_reads_it_back(api, seller):
    response = book(api, seller)
    assert response.status_code == 201, response.content
    body = response.json()
    shipment = InboundShipment.objects.get(reference=body["reference"])
    assert shipment.seller_id == seller["world"].seller.pk
    assert response["Location"] == f"/api/v1/inbound-shipments/{shipment.reference}"
    assert (body["status"], body["warehouse"], body["hub"], body["expected_on"]) == (
        "booked",
        "HGH-BW1",
        "HGH",
        in_days(5),
    )
    assert (body["units_expected"], body["units_received"], body["discrepancies"]) == (540, None, 0)
    first, second = body["lines"]
    assert first == {
        "line_no": 1,
        "product": str(seller["product"].public_id),
        "sku": seller["product"].sku,
        "lot": "",
        "expires_on": None,
        "quantity_expected": 500,
        "quantity_received": None,
        "quantity_damaged": 0,
        "difference": None,
        "discrepancy": False,
        "note": "",
    }
    assert (second["lot"], second["expires_on"]) == ("L2026-11", in_days(365))

    read = api.get(response["Location"], **seller["auth"])
    assert read.status_code == 200
    assert read.json() == body
    listed = api.get("/api/v1/inbound-shipments", **seller["auth"]).json()
    assert [row["reference"] for row in listed["results"]] == [shipment.reference]


def test_the_same_key_books_one_shipment(api, seller):
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    first = book(api, seller, **key)
    again = book(api, seller, **key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert InboundShipment.objects.count() == 1


def _line(seller, **changes) -> dict:
    return {"product": str(seller["product"].public_id), "quantity": 10, **changes}


def _lines(**changes):
    """One line of the seller's product with ``changes``, as a parameter's changes."""
    return lambda seller: {"lines": [_line(seller, **changes)]}


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"warehouse": "HGH-XX9"}, 404, "warehouse"),
        ({"warehouse": "HGH BW1"}, 400, "warehouse"),
        ({"warehouse": 7}, 400, "warehouse"),
        ({"expected_on": "yesterday"}, 400, "expected_on"),
        (lambda seller: {"expected_on": in_days(-1)}, 400, "expected_on"),
        ({"expected_on": None}, 400, "expected_on"),
        ({"carrier_reference": "x" * 41}, 400, "carrier_reference"),
        ({"lines": []}, 400, "lines"),
        (lambda s: {"lines": [_line(s, lot=f"L{n}") for n in range(201)]}, 400, "lines"),
        ({"lines": {"product": "x"}}, 400, "lines"),
        ({"lines": "two cartons"}, 400, "lines"),
        ({"lines": [{"quantity": 10}]}, 400, "lines.0.product"),
        ({"lines": [{"product": "nope", "quantity": 10}]}, 400, "lines.0.product"),
        (_lines(quantity=0), 400, "lines.0.quantity"),
        (_lines(quantity=1_000_001), 400, "lines.0.quantity"),
        (_lines(quantity=5.0), 400, "lines.0.quantity"),
        (_lines(quantity="5"), 400, "lines.0.quantity"),
        (_lines(quantity=True), 400, "lines.0.quantity"),
        (_lines(expires_on=in_days(-3)), 400, "lines.0.expires_on"),
        (_lines(expires_on="2027-02-30"), 400, "lines.0.expires_on"),
        (_lines(lot="L" * 41), 400, "lines.0.lot"),
        (lambda s: {"lines": [_line(s, lot="A"), _line(s, lot="A")]}, 400, "lines.1.lot"),
        ({"lines": [{"product": str(uuid.uuid4()), "quantity": 10}]}, 404, "lines.0.product"),
        (
            lambda s: {
                "lines": [{"product": str(factories.ProductFactory().public_id), "quantity": 1}]
            },
            404,
            "lines.0.product",
        ),
    ],
)
def test_a_bad_booking_is_refused_naming_the_field(api, seller, changes, status, field):
    changes = changes(seller) if callable(changes) else changes
    response = book(api, seller, booking(seller, **changes))
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == field
    assert InboundShipment.objects.count() == 0


def test_an_unverified_seller_sends_no_stock(api, seller):
    organization = seller["world"].seller
    organization.kyc_status = "submitted"
    organization.save(update_fields=["kyc_status"])
    response = book(api, seller)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "seller"


def test_only_the_sellers_own_client_with_products_write_books(api, seller, journey):
    channel = journey.world.channel
    api_client_update(client=channel, is_active=True, scopes=["products:read", "products:write"])
    as_channel = bearer(api, api_client_secret_rotate(client=channel))
    for auth in (as_channel, {}):
        response = api.post("/api/v1/inbound-shipments", booking(seller), format="json", **auth)
        assert response.status_code in (401, 403)
    reader = seller["credentials"]
    api_client_update(client=reader.client, is_active=True, scopes=["products:read"])
    response = book(api, {**seller, "auth": bearer(api, reader)})
    assert response.status_code == 403
    assert InboundShipment.objects.count() == 0


# --- what was counted in ------------------------------------------------------------------


def test_the_seller_reads_each_lines_count_and_its_discrepancy(api, seller, journey):
    world = seller["world"]
    other = factories.ProductFactory(seller=world.seller)
    shipment = stock_in(
        journey,
        seller["warehouse"],
        [(world.product, 10, "L1"), (other, 5, "")],
        operator=world.hgh_operator,
        counts={1: (8, 1)},
    )
    response = api.get(f"/api/v1/inbound-shipments/{shipment.reference}", **seller["auth"])
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["entry_declaration"]) == ("received", "E3301202612070001")
    assert (body["units_expected"], body["units_received"], body["discrepancies"]) == (15, 13, 1)
    short, exact = body["lines"]
    assert (
        short["quantity_received"],
        short["quantity_damaged"],
        short["difference"],
        short["discrepancy"],
    ) == (8, 1, -2, True)
    assert (exact["quantity_received"], exact["difference"], exact["discrepancy"]) == (5, 0, False)

    received = api.get("/api/v1/inbound-shipments", {"status": "received"}, **seller["auth"])
    assert [row["reference"] for row in received.json()["results"]] == [shipment.reference]
    booked = api.get("/api/v1/inbound-shipments", {"status": "booked"}, **seller["auth"])
    assert booked.json()["results"] == []


def test_another_sellers_shipment_is_not_found(api, seller, journey):
    shipment = stock_in(
        journey,
        seller["warehouse"],
        [(seller["product"], 3, "")],
        operator=seller["world"].hgh_operator,
    )
    rival = factories.SellerFactory()
    as_rival = bearer(
        api,
        organization_api_client_create(
            organization=rival, name="ERP", actor=factories.member(rival)
        ),
    )
    url = f"/api/v1/inbound-shipments/{shipment.reference}"
    assert api.get(url, **as_rival).status_code == 404
    assert api.get("/api/v1/inbound-shipments", **as_rival).json()["results"] == []
    assert api.get("/api/v1/stock", **as_rival).json()["rows"] == []
    for reference in ("IN-NOPE", shipment.reference.lower(), "x" * 300):
        response = api.get(f"/api/v1/inbound-shipments/{reference}", **seller["auth"])
        assert response.status_code == 404, reference
        assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"status": "lost"}, 400, "status"),
        ({"warehouse": "HGH-XX9"}, 404, "warehouse"),
        ({"warehouse": "HGH_BW1"}, 400, "warehouse"),
        ({"cursor": "abc"}, 400, "cursor"),
    ],
)
def test_a_bad_shipment_filter_is_refused_naming_it(api, seller, query, status, field):
    response = api.get("/api/v1/inbound-shipments", query, **seller["auth"])
    assert response.status_code == status, response.content
    assert response.json()["errors"][0]["field"] == field


def test_the_shipment_list_costs_the_same_however_many(api, seller, journey):
    def queries():
        with CaptureQueriesContext(connection) as context:
            response = api.get("/api/v1/inbound-shipments", **seller["auth"])
            assert response.status_code == 200
        return len(context), len(response.json()["results"])

    book(api, seller)
    queries()  # the token verified and cached
    few, _count = queries()
    world = seller["world"]
    more = factories.ProductFactory.create_batch(3, seller=world.seller)
    for product in more:
        stock_in(
            journey,
            seller["warehouse"],
            [(product, 2, "A"), (product, 3, "B")],
            operator=world.hgh_operator,
        )
    assert queries() == (few, 4)


# --- the stock report ---------------------------------------------------------------------


def test_the_stock_report_tells_on_hand_reserved_coming_and_cover(api, seller, journey):
    world = seller["world"]
    warehouse = seller["warehouse"]
    stock_in(journey, warehouse, [(world.product, 30, "L1")], operator=world.hgh_operator)
    assert (
        book(api, seller, booking(seller, lines=[_line(seller, quantity=100)])).status_code == 201
    )
    sold = journey.pay(stock_consumer_order(journey, warehouse, world.product, quantity=6))
    pick_and_hand_over(journey, sold, operator=world.hgh_operator)
    assert Order.objects.get(pk=sold.pk).status == "shipped"
    stock_consumer_order(journey, warehouse, world.product, quantity=4, n=1)

    response = api.get("/api/v1/stock", **seller["auth"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cover_window_days"] == 30
    (row,) = body["rows"]
    assert row == {
        "warehouse": "HGH-BW1",
        "hub": "HGH",
        "product": str(world.product.public_id),
        "sku": world.product.sku,
        "on_hand": 24,
        "reserved": 4,
        "available": 20,
        "in_transit": 100,
        "sold": 6,
        "days_of_cover": "100.0",  # 20 units at 6 in 30 days
    }
    there = api.get("/api/v1/stock", {"warehouse": "hgh-bw1"}, **seller["auth"]).json()
    assert there["rows"] == body["rows"]


@pytest.mark.parametrize(
    ("query", "status"), [({"warehouse": "HGH-XX9"}, 404), ({"warehouse": "-"}, 400)]
)
def test_the_stock_report_of_an_unknown_warehouse_is_refused(api, seller, query, status):
    response = api.get("/api/v1/stock", query, **seller["auth"])
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == "warehouse"


def test_the_stock_report_is_the_sellers_own(api, seller, journey):
    channel = journey.world.channel
    api_client_update(client=channel, is_active=True, scopes=["products:read"])
    as_channel = bearer(api, api_client_secret_rotate(client=channel))
    assert api.get("/api/v1/stock", **as_channel).status_code == 403
    assert api.get("/api/v1/stock").status_code == 401


def test_the_stock_report_costs_the_same_however_many_skus(api, seller, journey):
    world = seller["world"]
    stock_in(journey, seller["warehouse"], [(world.product, 5, "")], operator=world.hgh_operator)

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = api.get("/api/v1/stock", **seller["auth"])
            assert response.status_code == 200
        return len(context), len(response.json()["rows"])

    queries()  # the token verified and cached
    few, _rows = queries()
    other = warehouse_at(world.hgh, code="HGH-BW2")
    more = factories.ProductFactory.create_batch(4, seller=world.seller)
    stock_in(journey, other, [(p, 2, "") for p in more], operator=world.hgh_operator)
    assert queries() == (few, 5)
