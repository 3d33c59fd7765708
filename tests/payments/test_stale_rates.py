"""Money converted "today" with only a stale reference rate: the seller's preview and the
buyer's confirmation say why in the portal (never a 500), the release sweep waits, and all
of it goes on once the rates are refreshed."""

from datetime import date

import pytest
from django.utils.html import escape

from hubs.models import Order
from payments.models import FeeSchedule, Settlement
from payments.services.escrow import escrow_release_due
from payments.services.fx import fx_rates_load
from tests import factories, ledger
from tests.fx_rates import reference_rates_aged

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered_cny_order(kul, hgh, bank):
    """Bought in CNY, delivered: releasing it converts to the seller's MYR."""
    fx_rates_load()
    FeeSchedule.objects.create(
        hub=kul, percent="2.50", fixed_minor=100, currency="MYR", effective_from=date(2024, 1, 1)
    )
    order = ledger.paid_order(destination_hub=hgh, bank=bank, payment_currency="CNY")
    reference_rates_aged(days=14)  # the feed stopped two weeks ago
    return ledger.deliver(order)


def test_the_seller_sees_why_there_is_no_settlement_preview(client, delivered_cny_order):
    client.force_login(factories.member(delivered_cny_order.seller))
    response = client.get(f"/payments/orders/{delivered_cny_order.reference}/")
    assert response.status_code == 200
    assert response.context["preview"] is None
    refused = response.context["preview_refused"]
    assert "No current CNY exchange rate" in refused and "Try again" in refused
    assert escape(refused).encode() in response.content


def test_the_buyers_confirmation_is_refused_with_the_reason_and_changes_nothing(
    client, delivered_cny_order
):
    order = delivered_cny_order
    client.force_login(order.buyer.memberships.get().user)
    response = client.post(f"/payments/orders/{order.reference}/", {"confirm": "1"}, follow=True)
    assert response.status_code == 200
    (message,) = [str(m) for m in response.context["messages"]]
    assert "No current CNY exchange rate" in message
    assert Order.objects.get(pk=order.pk).status == Order.Status.DELIVERED
    assert not Settlement.objects.exists()
    assert ledger.ledger_balanced()


def test_the_release_sweep_waits_for_fresh_rates(delivered_cny_order, monkeypatch):
    monkeypatch.setattr(
        "payments.services.escrow.orders_confirmation_due",
        lambda now: Order.objects.filter(pk=delivered_cny_order.pk),
    )
    assert escrow_release_due() == 0
    assert Order.objects.get(pk=delivered_cny_order.pk).status == Order.Status.DELIVERED

    fx_rates_load()  # the rates are back
    assert escrow_release_due() == 1
    assert Settlement.objects.get().order_id == delivered_cny_order.pk
