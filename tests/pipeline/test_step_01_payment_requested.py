import pytest

from hubs.models import Order
from hubs.services.orders import order_cancel
from hubs.services.placement import LineRequest, OrderRequest, order_place
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_placed_order_awaits_payment_after_commit(hgh, django_capture_on_commit_callbacks):
    factories.open_eroads()
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory()
    request = OrderRequest(
        seller=product.seller, destination_hub=hgh, buyer=buyer, lines=[LineRequest(product.pk, 1)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = order_place(request=request, actor=factories.member(buyer))
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.transitions.last().actor_label == "pipeline"


def test_a_cancelled_order_is_left_alone(hgh, django_capture_on_commit_callbacks):
    from ewtp.common.models import OutboxEvent
    from ewtp.common.outbox import outbox_dispatch

    factories.open_eroads()
    buyer = factories.BuyerFactory()
    user = factories.member(buyer)
    product = factories.ProductFactory()
    order = order_place(
        request=OrderRequest(
            seller=product.seller,
            destination_hub=hgh,
            buyer=buyer,
            lines=[LineRequest(product.pk, 1)],
        ),
        actor=user,
    )
    order_cancel(order=order, actor=user, reason="mistake")
    event = OutboxEvent.objects.get(name="hubs.order_placed")
    outbox_dispatch(event_id=event.pk)  # the step runs late
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_with_only_stale_rates_the_payment_request_waits_for_fresh_ones(
    hgh, django_capture_on_commit_callbacks
):
    from ewtp.common.models import OutboxEvent
    from ewtp.common.outbox import outbox_dispatch
    from payments.services.fx import fx_rates_load
    from tests.fx_rates import reference_rates_aged

    fx_rates_load()
    reference_rates_aged(days=14)  # the feed stopped two weeks ago
    factories.open_eroads()
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory()
    request = OrderRequest(
        seller=product.seller,
        destination_hub=hgh,
        buyer=buyer,
        lines=[LineRequest(product.pk, 1)],
        payment_currency="CNY",  # the buyer owes the MYR total in CNY at today's rate
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = order_place(request=request, actor=factories.member(buyer))
    event = OutboxEvent.objects.get(name="hubs.order_placed")
    assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED
    assert "No current MYR exchange rate" in event.last_error  # delivered again later

    fx_rates_load()  # the rates are back
    outbox_dispatch(event_id=event.pk)
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_PAYMENT
