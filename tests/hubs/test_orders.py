"""Placing orders: snapshots, stock reservation, the status machine, cancel and expiry."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from moneyed import Money

from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import OutboxEvent
from hubs.models import Order, Product
from hubs.services.orders import order_cancel, order_transition, orders_expire
from hubs.services.placement import LineRequest, OrderRequest, order_place
from hubs.tasks import orders_expire_task
from tests import factories
from tests.journey import ORDER_STATUSES

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(trading_pair):
    """The trading pair, the seller offering ten scarves and five packs of tea."""
    seller = trading_pair["seller"]
    return trading_pair | {
        "scarf": factories.ProductFactory(seller=seller, stock=10),
        "tea": factories.ProductFactory(
            seller=seller,
            stock=5,
            hs_code="090230",
            unit_price=Money("12.50", "MYR"),
            unit_weight_kg=Decimal("0.250"),
        ),
    }


def place(shop, lines, **changes):
    request = OrderRequest(
        seller=shop["seller"],
        destination_hub=shop["hgh"],
        buyer=shop["buyer"],
        lines=[LineRequest(p.pk, q) for p, q in lines],
        **changes,
    )
    return order_place(request=request, actor=shop["buyer_user"])


def test_an_order_snapshots_its_lines_and_reserves_stock(shop):
    order = place(shop, [(shop["scarf"], 2), (shop["tea"], 4)])
    assert order.status == "placed"
    assert order.total == Money("140.00", "MYR")  # 2 × 45.00 + 4 × 12.50
    assert order.total_weight_kg == Decimal("1.300")
    first = order.lines.get(line_no=1)
    assert (first.sku, first.hs_code, first.origin_country.code, first.unit_price) == (
        shop["scarf"].sku,
        "621410",
        "MY",
        Money("45.00", "MYR"),
    )
    assert Product.objects.get(pk=shop["scarf"].pk).stock == 8
    Product.objects.filter(pk=shop["scarf"].pk).update(unit_price=Money("99.00", "MYR"))
    assert order.lines.get(line_no=1).unit_price == Money("45.00", "MYR")  # the snapshot holds
    assert OutboxEvent.objects.filter(name="hubs.order_placed").count() == 1
    assert order.transitions.get().to_status == "placed"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": 11}, "Only 10 of"),
        ({"quantity": 0}, "Quantity is 1"),
        ({"incoterm": "EXW"}, "DAP or DDP"),
    ],
)
def test_bad_orders_are_refused_and_change_nothing(shop, change, message):
    quantity = change.get("quantity", 1)
    extra = {"incoterm": change["incoterm"]} if "incoterm" in change else {}
    with pytest.raises(ApplicationError, match=message):
        place(shop, [(shop["scarf"], quantity)], **extra)
    assert not Order.objects.exists()
    assert Product.objects.get(pk=shop["scarf"].pk).stock == 10


def test_an_unverified_seller_cannot_sell(shop):
    shop["seller"].kyc_status = "submitted"
    shop["seller"].save()
    with pytest.raises(ApplicationError, match="not a verified seller"):
        place(shop, [(shop["scarf"], 1)])


def test_no_order_without_an_open_eroad(shop):
    from hubs.models import ERoad

    ERoad.objects.update(is_active=False)
    with pytest.raises(ApplicationError, match="No open e-road"):
        place(shop, [(shop["scarf"], 1)])


def test_only_members_of_the_buyer_place_its_orders(shop):
    request = OrderRequest(
        seller=shop["seller"],
        destination_hub=shop["hgh"],
        buyer=shop["buyer"],
        lines=[LineRequest(shop["scarf"].pk, 1)],
    )
    with pytest.raises(NotAllowedError):
        order_place(request=request, actor=shop["seller_user"])


def test_transitions_follow_the_journey_and_are_recorded(shop):
    order = place(shop, [(shop["scarf"], 1)])
    for status in ORDER_STATUSES[1:]:
        order = order_transition(
            order=order, to=status, actor_label="pipeline", reason=f"to {status}"
        )
    assert [t.to_status for t in order.transitions.all()] == ORDER_STATUSES
    with pytest.raises(ConflictError, match="cannot become"):
        order_transition(order=order, to="cancelled")


def test_a_repeated_transition_is_a_no_op(shop):
    order = place(shop, [(shop["scarf"], 1)])
    order_transition(order=order, to="awaiting_payment")
    order_transition(order=order, to="awaiting_payment")
    assert order.transitions.count() == 2


def test_cancel_releases_stock_and_needs_a_reason(shop):
    order = place(shop, [(shop["scarf"], 3)])
    with pytest.raises(ApplicationError, match="reason"):
        order_cancel(order=order, actor=shop["buyer_user"], reason=" ")
    order = order_cancel(order=order, actor=shop["buyer_user"], reason="Ordered twice")
    assert order.status == "cancelled"
    assert Product.objects.get(pk=shop["scarf"].pk).stock == 10
    assert order.transitions.last().reason == "Ordered twice"


def test_a_paid_order_cannot_be_cancelled(shop):
    order = place(shop, [(shop["scarf"], 1)])
    order_transition(order=order, to="awaiting_payment")
    order = order_transition(order=order, to="paid")
    with pytest.raises(ConflictError, match="no longer be cancelled"):
        order_cancel(order=order, actor=shop["buyer_user"], reason="changed my mind")


def test_unpaid_orders_expire_and_release_stock(shop, settings):
    old = place(shop, [(shop["scarf"], 4)])
    fresh = place(shop, [(shop["tea"], 1)])
    Order.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert orders_expire_task() == 1
    assert orders_expire() == 0  # a second sweep finds nothing
    assert Order.objects.get(pk=old.pk).status == "expired"
    assert Order.objects.get(pk=fresh.pk).status == "placed"
    assert Product.objects.get(pk=shop["scarf"].pk).stock == 10


def test_the_portal_cart_places_an_order(client, shop):
    client.force_login(shop["buyer_user"])
    scarf = shop["scarf"]
    client.post(f"/catalogue/{scarf.public_id}/add/", {"quantity": 2})
    page = client.get("/cart/")
    assert page.context["total"] == Money("90.00", "MYR")
    assert page.context["form"]["payment_currency"].initial == "CNY"  # the buyer's own first
    response = client.post("/cart/", {"incoterm": "DDP", "payment_currency": "CNY"})
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.reference}/"
    assert (order.incoterm, order.payment_currency, order.buyer, order.placed_by) == (
        "DDP",
        "CNY",
        shop["buyer"],
        shop["buyer_user"],
    )
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert detail.context["can_cancel"]
    client.post(response["Location"], {"reason": "Wrong size"})
    assert Order.objects.get().status == "cancelled"


def test_a_cart_holds_one_sellers_goods(client, shop):
    other = factories.ProductFactory()
    client.force_login(shop["buyer_user"])
    client.post(f"/catalogue/{shop['scarf'].public_id}/add/", {"quantity": 1})
    response = client.post(f"/catalogue/{other.public_id}/add/", {"quantity": 1}, follow=True)
    assert "another seller" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_orders_never_oversell_the_last_units(kul, hgh):
    factories.open_eroads()
    seller = factories.SellerFactory()
    product = factories.ProductFactory(seller=seller, stock=5)
    buyers = [factories.BuyerFactory() for _ in range(20)]
    users = [factories.member(b) for b in buyers]
    outcomes, barrier = [], threading.Barrier(20)

    def buy(buyer, user):
        barrier.wait()
        try:
            request = OrderRequest(
                seller=seller, destination_hub=hgh, buyer=buyer, lines=[LineRequest(product.pk, 1)]
            )
            order_place(request=request, actor=user)
            outcomes.append("ok")
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=pair) for pair in zip(buyers, users, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ok") == 5
    assert outcomes.count("out_of_stock") == 15
    assert Product.objects.get(pk=product.pk).stock == 0
    assert Order.objects.count() == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_row_locks_the_same_race_oversells(kul, hgh, monkeypatch):
    """Read-then-write without select_for_update loses updates: what the test above catches."""
    import time

    from hubs.services import placement as order_services

    def lock_free(request):
        products = {
            p.pk: p
            for p in Product.objects.filter(pk__in=[line.product_id for line in request.lines])
        }
        time.sleep(0.2)  # every buyer reads the same stock
        for line in request.lines:
            if products[line.product_id].stock < line.quantity:
                raise ApplicationError("out", "out_of_stock")
        return products

    monkeypatch.setattr(order_services, "_lock_products", lock_free)
    factories.open_eroads()
    seller = factories.SellerFactory()
    product = factories.ProductFactory(seller=seller, stock=5)
    pairs = [(b, factories.member(b)) for b in (factories.BuyerFactory() for _ in range(10))]
    barrier, placed = threading.Barrier(10), []

    def buy(buyer, user):
        barrier.wait()
        try:
            request = OrderRequest(
                seller=seller, destination_hub=hgh, buyer=buyer, lines=[LineRequest(product.pk, 1)]
            )
            order_place(request=request, actor=user)
            placed.append(1)
        except ApplicationError:
            pass
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(placed) > 5  # oversold


def test_the_expiry_sweep_goes_on_past_an_order_that_changed(shop, monkeypatch):
    first = place(shop, [(shop["scarf"], 1)])
    second = place(shop, [(shop["tea"], 1)])
    Order.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    # the first order is cancelled between the sweep's query and its lock
    from hubs.services import orders as order_services

    real = order_services.order_transition

    def cancelled_meanwhile(*, order, to, **kwargs):
        if order.pk == first.pk:
            Order.objects.filter(pk=first.pk).update(status="cancelled")
        return real(order=order, to=to, **kwargs)

    monkeypatch.setattr(order_services, "order_transition", cancelled_meanwhile)
    assert orders_expire() == 1
    assert Order.objects.get(pk=second.pk).status == "expired"


def test_a_huge_order_is_refused_not_overflowed(shop):
    Product.objects.filter(pk=shop["scarf"].pk).update(
        stock=100_000, unit_price=Money("9999999.00", "MYR")
    )
    with pytest.raises(ApplicationError, match="split it"):
        place(shop, [(Product.objects.get(pk=shop["scarf"].pk), 100_000)])
