"""List pages and list endpoints run the same number of queries for 10 and 1,000 rows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from moneyed import Money

from hubs.models import (
    Order,
    OrderLine,
    OrderTransition,
    Organization,
    Product,
    ProductImage,
    ProductImport,
)
from hubs.services.organizations import organization_api_client_create
from tests import factories
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def add_products(seller, count, start):
    """``count`` listings, each with a picture and its thumbnail (the list pages show them)."""
    products = Product.objects.bulk_create(
        [
            Product(
                seller=seller,
                sku=f"Q-{start + n:05d}",
                title_en=f"Item {n}",
                description_en="d",
                hs_code="621410",
                origin_country="MY",
                unit_price=Money("10.00", seller.currency),
                unit_weight_kg=Decimal("1"),
                length_cm=1,
                width_cm=1,
                height_cm=1,
                stock=5,
            )
            for n in range(count)
        ]
    )
    ProductImage.objects.bulk_create(
        [
            ProductImage(
                product=product,
                image="products/q.jpg",
                thumbnail="products/thumbnails/q.jpg",
                thumbnail_width=320,
                thumbnail_height=240,
            )
            for product in products
        ]
    )


def add_orders(seller, buyer, product, hub, count):
    orders = Order.objects.bulk_create(
        [
            Order(
                seller=seller,
                buyer=buyer,
                origin_hub=seller.home_hub,
                destination_hub=hub,
                reference=f"EW-Q{n:07d}",
                total=Money("10.00", "MYR"),
                payment_currency="MYR",
                total_weight_kg=1,
                expires_at=timezone.now() + timedelta(days=1),
            )
            for n in range(Order.objects.count(), Order.objects.count() + count)
        ]
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=o,
                line_no=1,
                product=product,
                sku=product.sku,
                title="t",
                quantity=1,
                unit_price=Money("10.00", "MYR"),
                line_total=Money("10.00", "MYR"),
                hs_code="621410",
                origin_country="MY",
                unit_weight_kg=1,
            )
            for o in orders
        ]
    )
    OrderTransition.objects.bulk_create(
        [OrderTransition(order=o, to_status="placed", actor_label="t") for o in orders]
    )


def add_organizations(hub, count, start):
    Organization.objects.bulk_create(
        [
            Organization(legal_name=f"Org {start + n}", country="MY", home_hub=hub)
            for n in range(count)
        ]
    )


def queries(fetch) -> int:
    with CaptureQueriesContext(connection) as context:
        response = fetch()
        assert response.status_code == 200, response.content[:300]
    return len(context)


@pytest.mark.parametrize(
    "url", ["/products/", "/orders/", "/catalogue/", "/products/imports/", "/home/"]
)
def test_portal_lists_for_members(client, trading_pair, url):
    def grow(count, start):
        add_products(trading_pair["seller"], count, start)
        product = Product.objects.filter(seller=trading_pair["seller"]).first()
        add_orders(
            trading_pair["seller"], trading_pair["buyer"], product, trading_pair["hgh"], count
        )
        ProductImport.objects.bulk_create(
            [
                ProductImport(seller=trading_pair["seller"], original_name=f"{n}.csv", file="x.csv")
                for n in range(count)
            ]
        )

    user = trading_pair["buyer_user"] if url == "/catalogue/" else trading_pair["seller_user"]
    client.force_login(user)
    grow(10, 0)
    few = queries(lambda: client.get(url))
    grow(990, 10)
    assert queries(lambda: client.get(url)) == few


@pytest.mark.parametrize("url", ["/organisations/", "/orders/", "/home/"])
def test_portal_lists_for_officers(client, trading_pair, url):
    client.force_login(factories.UserFactory(official_role="mdec_officer"))
    product = factories.ProductFactory(seller=trading_pair["seller"])
    add_organizations(trading_pair["kul"], 10, 0)
    add_orders(trading_pair["seller"], trading_pair["buyer"], product, trading_pair["hgh"], 10)
    few = queries(lambda: client.get(url))
    add_organizations(trading_pair["kul"], 990, 10)
    add_orders(trading_pair["seller"], trading_pair["buyer"], product, trading_pair["hgh"], 990)
    assert queries(lambda: client.get(url)) == few


@pytest.mark.parametrize("url", ["/api/v1/products/", "/api/v1/listings/", "/api/v1/orders/"])
def test_api_lists(api, trading_pair, url):
    client = trading_pair["seller"] if url == "/api/v1/products/" else trading_pair["buyer"]
    owner = (
        trading_pair["seller_user"]
        if client == trading_pair["seller"]
        else trading_pair["buyer_user"]
    )
    issued = organization_api_client_create(organization=client, name="ERP", actor=owner)
    headers = bearer(api, issued)

    def grow(count, start):
        add_products(trading_pair["seller"], count, start)
        add_orders(
            trading_pair["seller"],
            trading_pair["buyer"],
            Product.objects.filter(seller=trading_pair["seller"]).first(),
            trading_pair["hgh"],
            count,
        )

    grow(10, 0)
    api.get(url, **headers)  # the token verified and cached, as a client's next call finds it
    few = queries(lambda: api.get(url, **headers))
    grow(990, 10)
    assert queries(lambda: api.get(url, **headers)) == few
