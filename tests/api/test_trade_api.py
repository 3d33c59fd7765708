"""Organisations, products, listings and orders over the API."""

import pytest

from hubs.models import Order, Product
from hubs.services.organizations import organization_api_client_create
from tests import factories
from tests.conftest import bearer

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
CN_ID = "11010519491231002X"


@pytest.fixture
def trade(api, kul, hgh):
    factories.open_eroads()
    seller = factories.SellerFactory(legal_name="Batik Nusantara Sdn. Bhd.")
    buyer = factories.BuyerFactory()
    owner = factories.member(seller)
    buyer_owner = factories.member(buyer)
    product = factories.ProductFactory(seller=seller, stock=20)
    seller_client = organization_api_client_create(organization=seller, name="ERP", actor=owner)
    buyer_client = organization_api_client_create(organization=buyer, name="ERP", actor=buyer_owner)
    channel = factories.api_client(
        kind="channel", name="ShopCN", scopes=["orders:read", "orders:write", "products:read"]
    )
    return {
        "seller": seller,
        "buyer": buyer,
        "product": product,
        "hgh": hgh,
        "as_seller": bearer(api, seller_client),
        "as_buyer": bearer(api, buyer_client),
        "as_channel": bearer(api, channel),
        "channel": channel,
    }


def b2c(trade, **changes):
    body = {
        "seller": str(trade["seller"].public_id),
        "destination_hub": "HGH",
        "incoterm": "DDP",
        "lines": [{"product": str(trade["product"].public_id), "quantity": 2}],
        "consumer": {
            "name": "Chen Jing",
            "address": "18 Wensan Road, Hangzhou",
            "country": "CN",
            "id_reference": CN_ID,
        },
    }
    body.update(changes)
    return body


def test_organisation_reads_and_updates_itself(api, trade):
    me = api.get("/api/v1/organization", **trade["as_seller"]).json()
    assert (me["legal_name"], me["home_hub"], me["currency"], me["can_sell"]) == (
        "Batik Nusantara Sdn. Bhd.",
        "KUL",
        "MYR",
        True,
    )
    assert me["payout_account_number_last4"] == "5678"
    assert "payout_account_number" not in me

    changed = api.patch(
        "/api/v1/organization",
        {"payout_bic": "cibbmykl", "city": "Shah Alam"},
        format="json",
        **trade["as_seller"],
    )
    assert changed.status_code == 200
    assert (changed.json()["payout_bic"], changed.json()["city"]) == ("CIBBMYKL", "Shah Alam")

    bad = api.patch(
        "/api/v1/organization", {"payout_bic": "NOPE"}, format="json", **trade["as_seller"]
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "payout_bic"


def test_products_crud_for_the_callers_own_catalogue(api, trade):
    body = {
        "sku": "API-1",
        "title_en": "Songket cushion",
        "description_en": "Woven songket.",
        "hs_code": "9404.90",
        "origin_country": "MY",
        "unit_price": "120.00",
        "unit_weight_kg": "0.8",
        "length_cm": "45",
        "width_cm": "45",
        "height_cm": "10",
        "stock": 12,
    }
    created = api.post("/api/v1/products/", body, format="json", **trade["as_seller"])
    assert created.status_code == 201, created.content
    product = created.json()
    assert product["unit_price"] == {"amount": "120.00", "currency": "MYR"}
    assert product["hs_code"] == "940490"

    assert product["is_active"] is True  # the documented default when is_active is not sent
    url = f"/api/v1/products/{product['id']}"
    assert api.patch(url, {"stock": 5}, format="json", **trade["as_seller"]).json()["stock"] == 5
    assert api.delete(url, **trade["as_seller"]).status_code == 204
    assert Product.objects.get(sku="API-1").is_active is False
    skus = [p["sku"] for p in api.get("/api/v1/products/", **trade["as_seller"]).json()["results"]]
    assert set(skus) == {"API-1", trade["product"].sku}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hs_code": "999999"}, "hs_code"),
        ({"unit_price": 12.5}, "unit_price"),
        ({"unit_price": "0"}, "unit_price"),
        ({"origin_country": "ZZ"}, "origin_country"),
        ({"sku": ""}, "sku"),
    ],
)
def test_bad_products_are_400_with_the_field(api, trade, change, field):
    body = {**factories.PRODUCT_BODY, "sku": "API-2", **change}
    response = api.post("/api/v1/products/", body, format="json", **trade["as_seller"])
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Product.objects.filter(sku="API-2").exists()


def test_another_organisations_product_is_404(api, trade):
    url = f"/api/v1/products/{trade['product'].public_id}"
    assert api.get(url, **trade["as_buyer"]).status_code == 404
    assert api.patch(url, {"stock": 0}, format="json", **trade["as_buyer"]).status_code == 404
    assert Product.objects.get(pk=trade["product"].pk).stock == 20


def test_listings_for_buyers_and_channels(api, trade):
    mine = api.get("/api/v1/listings/", **trade["as_buyer"]).json()["results"]
    assert [item["sku"] for item in mine] == [trade["product"].sku]
    assert mine[0]["seller"]["home_hub"] == "KUL"
    own = api.get("/api/v1/listings/", **trade["as_seller"]).json()["results"]
    assert own == []  # a seller does not buy from itself (no e-road KUL→KUL either)
    channel = api.get("/api/v1/listings/?destination=HGH&chapter=62", **trade["as_channel"]).json()
    assert len(channel["results"]) == 1
    bad = api.get("/api/v1/listings/?chapter=6", **trade["as_channel"])
    assert bad.status_code == 400


def test_channel_places_a_b2c_order_once_per_idempotency_key(api, trade):
    headers = {**trade["as_channel"], "HTTP_IDEMPOTENCY_KEY": "shopcn-order-1001"}
    first = api.post("/api/v1/orders/", b2c(trade), format="json", **headers)
    assert first.status_code == 201, first.content
    order = first.json()
    assert (order["status"], order["buyer"], order["consumer_name"]) == (
        "placed",
        None,
        "Chen Jing",
    )
    assert order["total"] == {"amount": "90.00", "currency": "MYR"}
    assert first["Location"] == f"/api/v1/orders/{order['reference']}"

    again = api.post("/api/v1/orders/", b2c(trade), format="json", **headers)
    assert again.json() == order
    assert again["Location"] == first["Location"]
    other = api.post("/api/v1/orders/", b2c(trade, incoterm="DAP"), format="json", **headers)
    assert other.status_code == 422
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=trade["product"].pk).stock == 18


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {
                "consumer": {
                    "name": "X",
                    "address": "Y",
                    "country": "CN",
                    "id_reference": "110105194912310021",
                }
            },
            "consumer.id_reference",
        ),
        ({"consumer": {"name": "X", "address": "Y", "country": "MY"}}, "consumer.country"),
        ({"destination_hub": "Z1"}, "destination_hub"),
        ({"lines": []}, "lines"),
        ({"lines": [{"product": "x", "quantity": 1}]}, "lines.0.product"),
        ({"incoterm": "FOB"}, "incoterm"),
    ],
)
def test_bad_b2c_orders_are_400_naming_the_field(api, trade, change, field):
    response = api.post(
        "/api/v1/orders/", b2c(trade, **change), format="json", **trade["as_channel"]
    )
    assert response.status_code == 400, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"destination_hub": "ZZZ"}, "destination_hub"),
        (
            {"lines": [{"product": "00000000-0000-0000-0000-000000000000", "quantity": 1}]},
            "lines.0.product",
        ),
        ({"seller": "00000000-0000-0000-0000-000000000000"}, "seller"),
    ],
)
def test_orders_naming_what_does_not_exist_are_404_naming_the_field(api, trade, change, field):
    response = api.post(
        "/api/v1/orders/", b2c(trade, **change), format="json", **trade["as_channel"]
    )
    assert response.status_code == 404, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Order.objects.exists()


def test_out_of_stock_is_a_clear_error(api, trade):
    body = b2c(trade, lines=[{"product": str(trade["product"].public_id), "quantity": 21}])
    response = api.post("/api/v1/orders/", body, format="json", **trade["as_channel"])
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert response.json()["errors"][0]["field"] == "lines.0.quantity"


def test_organisation_places_a_b2b_order_and_cancels_it(api, trade):
    body = {
        "seller": str(trade["seller"].public_id),
        "lines": [{"product": str(trade["product"].public_id), "quantity": 5}],
    }
    created = api.post("/api/v1/orders/", body, format="json", **trade["as_buyer"])
    assert created.status_code == 201
    reference = created.json()["reference"]
    assert created.json()["buyer"]["legal_name"] == trade["buyer"].legal_name
    seen_by_seller = api.get("/api/v1/orders/?role=seller", **trade["as_seller"]).json()["results"]
    assert [o["reference"] for o in seen_by_seller] == [reference]
    assert api.get(f"/api/v1/orders/{reference}", **trade["as_channel"]).status_code == 404

    cancelled = api.post(
        f"/api/v1/orders/{reference}/cancel",
        {"reason": "Duplicate"},
        format="json",
        **trade["as_buyer"],
    )
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["transitions"][-1]["by"].startswith("API client")
    again = api.post(
        f"/api/v1/orders/{reference}/cancel",
        {"reason": "Duplicate"},
        format="json",
        **trade["as_buyer"],
    )
    assert again.status_code == 200  # cancelling a cancelled order changes nothing
    assert again.json()["status"] == "cancelled"
    assert len(again.json()["transitions"]) == len(cancelled.json()["transitions"])


def test_a_scope_is_needed_per_method(api, trade):
    reader = factories.api_client(
        kind="channel", name="Reader", scopes=["orders:read", "products:read"]
    )
    headers = bearer(api, reader)
    assert api.get("/api/v1/orders/", **headers).status_code == 200
    refused = api.post("/api/v1/orders/", b2c(trade), format="json", **headers)
    assert refused.status_code == 403
    assert refused["Content-Type"] == PROBLEM


def test_a_price_patch_leaves_the_reserved_stock_alone(api, trade):
    body = {
        "seller": str(trade["seller"].public_id),
        "lines": [{"product": str(trade["product"].public_id), "quantity": 5}],
    }
    url = f"/api/v1/products/{trade['product'].public_id}"
    seen = api.get(url, **trade["as_seller"]).json()["stock"]
    api.post("/api/v1/orders/", body, format="json", **trade["as_buyer"])
    patched = api.patch(url, {"unit_price": "99.00"}, format="json", **trade["as_seller"]).json()
    assert (seen, patched["stock"], patched["unit_price"]["amount"]) == (20, 15, "99.00")


@pytest.mark.parametrize(
    ("currency", "status", "paid_in"), [("CNY", 201, "CNY"), ("", 201, "MYR"), ("XAU", 400, None)]
)
def test_the_buyer_chooses_the_currency_it_pays_in(api, trade, currency, status, paid_in):
    body = {
        "seller": str(trade["seller"].public_id),
        "lines": [{"product": str(trade["product"].public_id), "quantity": 1}],
    } | ({"payment_currency": currency} if currency else {})
    response = api.post("/api/v1/orders/", body, format="json", **trade["as_buyer"])
    assert response.status_code == status, response.content
    if paid_in is None:
        assert response.json()["errors"][0]["field"] == "payment_currency"
        assert not Order.objects.exists()
    else:
        assert response.json()["payment_currency"] == paid_in
        assert response.json()["total"] == {"amount": "45.00", "currency": "MYR"}
