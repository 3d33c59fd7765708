"""A sales channel over the warehousing API: the warehouses, the stock of listings per
warehouse, and consumer orders served from a warehouse's stock."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ewtp.common.api_clients import api_client_secret_rotate, api_client_update
from hubs.models import Order
from hubs.services.organizations import organization_api_client_create
from tests import factories
from tests.conftest import bearer
from tests.journey import resident_id
from tests.warehousing.support import stock_in, warehouse_at
from warehousing.models import Fulfilment, StockLot, Warehouse

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
CHANNEL_SCOPES = ["hubs:read", "orders:read", "orders:write", "products:read"]


def as_channel(api, journey, scopes=CHANNEL_SCOPES) -> dict:
    """The journey's channel with ``scopes``, and a token of its own."""
    channel = journey.world.channel
    api_client_update(client=channel, is_active=True, scopes=list(scopes))
    return bearer(api, api_client_secret_rotate(client=channel))


@pytest.fixture
def stocked(api, journey):
    """Ten units of the world's product in the Hangzhou bonded warehouse, and the channel."""
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 10, "L1")], operator=world.hgh_operator)
    return {
        "world": world,
        "warehouse": warehouse,
        "product": world.product,
        "auth": as_channel(api, journey),
    }


def order_body(stocked, **changes) -> dict:
    body = {
        "seller": str(stocked["world"].seller.public_id),
        "incoterm": "DDP",
        "lines": [{"product": str(stocked["product"].public_id), "quantity": 2}],
        "consumer": {
            "name": "Chen Jing",
            "address": "18 Wensan Road, Hangzhou",
            "country": "CN",
            "id_reference": resident_id(1),
        },
    }
    body.update(changes)
    return body


def place(api, stocked, body=None, code="HGH-BW1", **headers):
    return api.post(
        f"/api/v1/warehouses/{code}/orders",
        body if body is not None else order_body(stocked),
        format="json",
        **stocked["auth"],
        **headers,
    )


# --- the warehouses -----------------------------------------------------------------------


def test_the_warehouses_are_listed_with_their_promise(api, stocked):
    Warehouse.objects.create(hub=stocked["world"].kul, code="KUL-W1", name="KLIA warehouse")
    Warehouse.objects.create(
        hub=stocked["world"].kul, code="KUL-OLD", name="Closed", is_active=False
    )
    page = api.get("/api/v1/warehouses/", **stocked["auth"])
    assert page.status_code == 200, page.content
    rows = {row["code"]: row for row in page.json()["results"]}
    assert set(rows) == {"HGH-BW1", "KUL-W1"}
    assert rows["HGH-BW1"] == {
        "code": "HGH-BW1",
        "name": "Hangzhou bonded warehouse",
        "hub": "HGH",
        "bonded": True,
        "customs_site_code": "2991W",
        "delivery_days_min": 1,
        "delivery_days_max": 2,
        "ships_from": "Hangzhou bonded warehouse, 1–2 days",
    }
    assert rows["KUL-W1"]["customs_site_code"] is None

    at_hgh = api.get("/api/v1/warehouses/", {"hub": "hgh"}, **stocked["auth"]).json()
    assert [row["code"] for row in at_hgh["results"]] == ["HGH-BW1"]
    plain = api.get("/api/v1/warehouses/", {"bonded": "false"}, **stocked["auth"]).json()
    assert [row["code"] for row in plain["results"]] == ["KUL-W1"]


def test_one_day_is_promised_as_one_day(api, stocked):
    Warehouse.objects.filter(code="HGH-BW1").update(delivery_days_min=1, delivery_days_max=1)
    (row,) = api.get("/api/v1/warehouses/", **stocked["auth"]).json()["results"]
    assert row["ships_from"] == "Hangzhou bonded warehouse, 1 day"


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"hub": "XYZ"}, 404, "hub"),
        ({"hub": "HG1"}, 400, "hub"),
        ({"bonded": "1"}, 400, "bonded"),
        ({"page_size": "0"}, 400, "page_size"),
    ],
)
def test_a_bad_warehouse_filter_is_refused_naming_it(api, stocked, query, status, field):
    response = api.get("/api/v1/warehouses/", query, **stocked["auth"])
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == field


def test_the_warehouses_need_a_token_with_hubs_read(api, journey):
    assert api.get("/api/v1/warehouses/").status_code == 401
    auth = as_channel(api, journey, scopes=["orders:write"])
    response = api.get("/api/v1/warehouses/", **auth)
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_the_warehouse_list_costs_the_same_however_many(api, stocked):
    def queries():
        with CaptureQueriesContext(connection) as context:
            assert api.get("/api/v1/warehouses/", **stocked["auth"]).status_code == 200
        return len(context)

    queries()  # the token verified and cached
    few = queries()
    for n in range(6):
        warehouse_at(stocked["world"].kul, bonded=False, code=f"KUL-W{n}")
    assert queries() == few


# --- availability -------------------------------------------------------------------------


def availability(api, stocked, products, **query):
    return api.get(
        "/api/v1/stock/availability",
        {"product": [str(p) for p in products], **query},
        **stocked["auth"],
    )


def test_a_listing_shows_where_it_ships_from_and_how_many(api, stocked):
    product = stocked["product"]
    elsewhere = factories.ProductFactory(seller=product.seller)
    response = availability(api, stocked, [product.public_id, elsewhere.public_id], hub="HGH")
    assert response.status_code == 200, response.content
    held, none = response.json()["products"]
    assert (held["product"], held["sku"]) == (str(product.public_id), product.sku)
    (offer,) = held["warehouses"]
    assert offer["available"] == 10
    assert offer["warehouse"]["code"] == "HGH-BW1"
    assert offer["warehouse"]["ships_from"] == "Hangzhou bonded warehouse, 1–2 days"
    assert none == {"product": str(elsewhere.public_id), "sku": elsewhere.sku, "warehouses": []}

    assert place(api, stocked).status_code == 201
    (offer,) = availability(api, stocked, [product.public_id]).json()["products"][0]["warehouses"]
    assert offer["available"] == 8  # two reserved by the order


def test_availability_at_a_hub_shows_only_its_warehouses(api, stocked, journey):
    world = stocked["world"]
    home = warehouse_at(world.kul, bonded=False, code="KUL-W1")
    stock_in(journey, home, [(world.product, 4, "")], operator=world.kul_operator)
    products = [stocked["product"].public_id]
    (everywhere,) = availability(api, stocked, products).json()["products"]
    assert [(o["warehouse"]["code"], o["available"]) for o in everywhere["warehouses"]] == [
        ("HGH-BW1", 10),
        ("KUL-W1", 4),
    ]
    (at_hgh,) = availability(api, stocked, products, hub="HGH").json()["products"]
    assert [o["warehouse"]["code"] for o in at_hgh["warehouses"]] == ["HGH-BW1"]
    # the seller is at KUL: its listing does not reach its own hub over an e-road
    response = availability(api, stocked, products, hub="KUL")
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "product"


def test_a_product_asked_for_twice_is_answered_once(api, stocked):
    product = stocked["product"].public_id
    response = availability(api, stocked, [product, product])
    assert [row["product"] for row in response.json()["products"]] == [str(product)]


@pytest.mark.parametrize(
    ("products", "query", "status", "field"),
    [
        ([], {}, 400, "product"),
        (["not-a-uuid"], {}, 400, "product"),
        (["12345"], {}, 400, "product"),
        ([uuid.uuid4() for _ in range(101)], {}, 400, "product"),
        ([uuid.uuid4()], {}, 404, "product"),
        (["PRODUCT"], {"hub": "XYZ"}, 404, "hub"),
        (["PRODUCT"], {"hub": "12"}, 400, "hub"),
    ],
)
def test_availability_refuses_what_it_cannot_answer(api, stocked, products, query, status, field):
    products = [stocked["product"].public_id if p == "PRODUCT" else p for p in products]
    response = availability(api, stocked, products, **query)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == field


def test_a_withdrawn_listing_has_no_availability(api, stocked):
    product = stocked["product"]
    product.is_active = False
    product.save(update_fields=["is_active"])
    response = availability(api, stocked, [product.public_id])
    assert response.status_code == 404


def test_availability_needs_products_read(api, journey):
    auth = as_channel(api, journey, scopes=["orders:write"])
    response = api.get(
        "/api/v1/stock/availability", {"product": str(journey.world.product.public_id)}, **auth
    )
    assert response.status_code == 403


def test_availability_costs_the_same_for_one_listing_or_a_hundred(api, stocked, journey):
    world = stocked["world"]
    other = warehouse_at(world.hgh, code="HGH-BW2")

    def queries(products):
        with CaptureQueriesContext(connection) as context:
            response = availability(api, stocked, [p.public_id for p in products])
            assert response.status_code == 200, response.content
        return len(context)

    queries([stocked["product"]])  # the token verified and cached
    one = queries([stocked["product"]])
    many = factories.ProductFactory.create_batch(5, seller=world.seller)
    stock_in(journey, other, [(p, 3, "") for p in many], operator=world.hgh_operator)
    assert queries([stocked["product"], *many]) == one


# --- orders from stock --------------------------------------------------------------------


def test_a_channel_orders_from_the_warehouse_and_its_units_are_reserved(api, stocked):
    response = place(api, stocked)
    assert response.status_code == 201, response.content
    body = response.json()
    order = Order.objects.get(reference=body["reference"])
    assert response["Location"] == f"/api/v1/orders/{order.reference}"
    assert order.ships_from_stock and order.channel_id == stocked["world"].channel.pk
    assert (body["status"], body["destination_hub"], body["shipping_charge"]) == (
        order.status,
        "HGH",
        None,
    )
    assert [line["quantity"] for line in body["lines"]] == [2]
    fulfilment = Fulfilment.objects.get(order=order)
    assert body["fulfilment"] == {
        "warehouse": "HGH-BW1",
        "waybill": fulfilment.waybill,
        "status": "reserved",
    }
    lot = StockLot.objects.get(warehouse=stocked["warehouse"])
    assert (lot.on_hand, lot.reserved) == (10, 2)
    # the listing's own stock (what is flown from the seller's hub) is not touched
    assert order.lines.get().product.stock == stocked["product"].stock
    read = api.get(f"/api/v1/orders/{order.reference}", **stocked["auth"])
    assert read.json()["reference"] == order.reference


def test_the_body_of_an_ordinary_order_is_taken_as_it_is(api, stocked):
    response = place(api, stocked, order_body(stocked, destination_hub="HGH"))
    assert response.status_code == 201, response.content
    wrong = place(api, stocked, order_body(stocked, destination_hub="KUL"))
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "warehouse"


def test_the_same_key_places_one_order(api, stocked):
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    first = place(api, stocked, **key)
    again = place(api, stocked, **key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert Order.objects.count() == 1
    lot = StockLot.objects.get(warehouse=stocked["warehouse"])
    assert lot.reserved == 2
    other = place(api, stocked, order_body(stocked, incoterm="DAP"), **key)
    assert other.status_code == 422


def test_an_order_for_more_than_is_left_is_refused_and_leaves_nothing(api, stocked):
    assert place(api, stocked, order_body(stocked, lines=_lines(stocked, 9))).status_code == 201
    response = place(api, stocked, order_body(stocked, lines=_lines(stocked, 2)))
    assert response.status_code == 409, response.content
    problem = response.json()
    assert response["Content-Type"] == PROBLEM
    assert problem["code"] == "out_of_stock"
    assert problem["errors"][0]["field"] == "lines.0.quantity"
    assert "Only 1 of" in problem["detail"]
    assert Order.objects.count() == Fulfilment.objects.count() == 1
    lot = StockLot.objects.get(warehouse=stocked["warehouse"])
    assert (lot.on_hand, lot.reserved) == (10, 9)


def _lines(stocked, quantity):
    return [{"product": str(stocked["product"].public_id), "quantity": quantity}]


def test_an_unknown_warehouse_is_a_404(api, stocked):
    for code in ("HGH-XX9", "nope", "x" * 300):
        response = place(api, stocked, code=code)
        assert response.status_code == 404, (code, response.content)
        assert response.json()["code"] == "warehouse_unknown"
    Warehouse.objects.filter(code="HGH-BW1").update(is_active=False)
    assert place(api, stocked).status_code == 404
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"lines": [{"product": "PRODUCT", "quantity": "2"}]}, 400, "lines.0.quantity"),
        ({"lines": [{"product": "PRODUCT", "quantity": 0}]}, 400, "lines.0.quantity"),
        ({"lines": [{"product": "PRODUCT", "quantity": 2.5}]}, 400, "lines.0.quantity"),
        ({"lines": [{"product": "PRODUCT", "quantity": 100_001}]}, 400, "lines.0.quantity"),
        ({"lines": [{"product": 12, "quantity": 1}]}, 400, "lines.0.product"),
        ({"lines": "two scarves"}, 400, "lines"),
        ({"lines": []}, 400, "lines"),
        ({"lines": [{"product": str(uuid.uuid4()), "quantity": 1}] * 101}, 400, "lines"),
        ({"lines": [{"product": str(uuid.uuid4()), "quantity": 1}]}, 404, "lines.0.product"),
        ({"seller": str(uuid.uuid4())}, 404, "seller"),
        ({"seller": None}, 400, "seller"),
        ({"consumer": None}, 400, "consumer"),
        ({"consumer": "Chen Jing"}, 400, "consumer"),
        ({"incoterm": "FOB"}, 400, "incoterm"),
        ({"payment_currency": "XXX"}, 400, "payment_currency"),
        ({"destination_hub": "XYZ"}, 404, "destination_hub"),
    ],
)
def test_a_bad_order_is_refused_naming_the_field(api, stocked, changes, status, field):
    for line in changes.get("lines", []) if isinstance(changes.get("lines"), list) else []:
        if line.get("product") == "PRODUCT":
            line["product"] = str(stocked["product"].public_id)
    response = place(api, stocked, order_body(stocked, **changes))
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == field
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("consumer", "field"),
    [
        ({"country": "MY"}, "consumer.country"),
        ({"id_reference": "110105194912310021"}, "consumer.id_reference"),
        ({"name": "   "}, "consumer.name"),
        ({"name": 7}, "consumer.name"),
    ],
)
def test_the_consumer_is_checked_as_for_any_order(api, stocked, consumer, field):
    body = order_body(stocked)
    body["consumer"] = {**body["consumer"], **consumer}
    response = place(api, stocked, body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field


def test_only_a_channel_with_orders_write_orders_from_stock(api, stocked, journey):
    world = stocked["world"]
    buyer = factories.BuyerFactory()
    organization = organization_api_client_create(
        organization=buyer, name="ERP", actor=factories.member(buyer)
    )
    as_organization = bearer(api, organization)
    response = api.post(
        "/api/v1/warehouses/HGH-BW1/orders", order_body(stocked), format="json", **as_organization
    )
    assert response.status_code == 403
    reader = as_channel(api, journey, scopes=["products:read"])
    response = api.post(
        "/api/v1/warehouses/HGH-BW1/orders", order_body(stocked), format="json", **reader
    )
    assert response.status_code == 403
    assert Order.objects.filter(channel=world.channel).count() == 0


# --- bonded sales are a consumer's, duty paid; returns ----------------------------------


def test_a_bonded_order_is_sold_duty_paid(api, stocked):
    response = place(api, stocked, order_body(stocked, incoterm="DAP"))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "duty_paid_only"
    assert response.json()["errors"][0]["field"] == "incoterm"
    assert not Order.objects.exists()


def test_a_channel_asks_for_its_consumers_return(
    api, stocked, journey, django_capture_on_commit_callbacks
):
    from warehousing.models import FulfilmentEvent
    from warehousing.services.fulfilment import fulfilment_scan

    from ..warehousing.support import pick_and_hand_over

    with django_capture_on_commit_callbacks(execute=True):  # the payment is requested
        order = Order.objects.get(reference=place(api, stocked).json()["reference"])
    url = f"/api/v1/warehouses/HGH-BW1/orders/{order.reference}/return"
    early = api.post(url, {"reason": "too small"}, format="json", **stocked["auth"])
    assert early.status_code == 400 and early.json()["code"] == "return_invalid"  # not delivered

    order = journey.pay(order)
    operator = stocked["world"].hgh_operator
    pick_and_hand_over(journey, order, operator=operator)
    journey.run(
        fulfilment_scan,
        fulfilment=Fulfilment.objects.get(order=order),
        code=FulfilmentEvent.Code.DELIVERED,
        actor=operator,
    )
    asked = api.post(url, {"reason": "too small"}, format="json", **stocked["auth"])
    assert asked.status_code == 202, asked.content
    assert asked.json()["status"] == "delivered"
    assert Fulfilment.objects.get(order=order).return_requested_at is not None
    again = api.post(url, {"reason": "too small"}, format="json", **stocked["auth"])
    assert again.status_code == 202  # asking twice changes nothing
    unknown = api.post(
        url.replace(order.reference, "EW-22222222"),
        {"reason": "x"},
        format="json",
        **stocked["auth"],
    )
    assert unknown.status_code == 404
    blank = api.post(url, {"reason": ""}, format="json", **stocked["auth"])
    assert blank.status_code == 400
