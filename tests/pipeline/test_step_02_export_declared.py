"""Step 2: a paid order's export declaration is filed from its lines and submitted; customs
assesses and routes it. Repeated events file nothing more; goods customs cannot take are
not filed and the seller is told why."""

from decimal import Decimal

import pytest
from django.core import mail

from customs.models import Declaration, TariffLine
from ewtp.common.models import OutboxDelivery, OutboxEvent
from ewtp.common.outbox import outbox_dispatch
from tests import factories, ledger

pytestmark = pytest.mark.django_db


def test_a_paid_order_is_declared_for_export_and_cleared(
    hgh, bank, lanes_by_rule, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = ledger.paid_order(destination_hub=hgh, bank=bank, quantity=2)
    declaration = Declaration.objects.get(order=order)
    assert (declaration.regime, declaration.hub.code) == ("MY_EXPORT", "KUL")
    assert declaration.organization == order.seller
    assert declaration.status == "released"  # a new exporter: blue, released at once
    item = declaration.items.get()
    assert (item.hs_code, item.quantity, item.value) == ("621410", 2, Decimal("90.00"))
    assert declaration.paid_amount == Decimal("90.00")
    event = OutboxEvent.objects.get(name="payments.order_paid")
    OutboxDelivery.objects.filter(event=event).delete()  # as if delivered again
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
    outbox_dispatch(event_id=event.pk)
    assert Declaration.objects.filter(order=order).count() == 1


def test_an_export_needs_the_nomenclature_not_an_import_rate(
    hgh, bank, tariff, django_capture_on_commit_callbacks
):
    TariffLine.objects.filter(country="MY", hs_code="621410").delete()
    with django_capture_on_commit_callbacks(execute=True):
        order = ledger.paid_order(destination_hub=hgh, bank=bank)
    (declaration,) = Declaration.objects.filter(order=order)
    assert declaration.regime == "MY_EXPORT" and declaration.status != "rejected"
    assert not [m for m in mail.outbox if "not filed" in m.subject]


def test_goods_customs_cannot_take_are_not_filed_and_the_seller_is_told(
    hgh, bank, tariff, django_capture_on_commit_callbacks
):
    TariffLine.objects.filter(country="MY", hs_code="621410").update(prohibited=True)
    with django_capture_on_commit_callbacks(execute=True):  # the steps run after this block
        order = ledger.paid_order(destination_hub=hgh, bank=bank)
        owner = factories.member(order.seller)
    assert not Declaration.objects.exists()
    (message,) = [m for m in mail.outbox if "not filed" in m.subject]
    assert order.reference in message.subject and "HS 621410" in message.body
    assert message.to == [owner.email]


def test_a_missing_rate_is_retried_later_not_mailed(
    hgh, bank, tariff, django_capture_on_commit_callbacks, monkeypatch
):
    from ewtp.common.errors import ApplicationError

    def no_rate(**kwargs):
        raise ApplicationError("No rate yet.", "customs_rate_missing")

    monkeypatch.setattr("pipeline.step_02_export_declared.declaration_create", no_rate)
    with django_capture_on_commit_callbacks(execute=True):
        order = ledger.paid_order(destination_hub=hgh, bank=bank)
        factories.member(order.seller)
    event = OutboxEvent.objects.get(name="payments.order_paid")
    assert event.dispatched_at is None  # the outbox delivers it again later
    assert not [m for m in mail.outbox if "not filed" in m.subject]
    monkeypatch.undo()
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=event.created_at)
    with django_capture_on_commit_callbacks(execute=True):
        outbox_dispatch(event_id=event.pk)
    assert Declaration.objects.filter(order=order).exists()


def test_a_payment_in_the_buyers_currency_is_declared_as_paid_in_the_orders(
    hgh, bank, tariff, django_capture_on_commit_callbacks
):
    from payments.services.fx import fx_rates_load

    fx_rates_load()
    with django_capture_on_commit_callbacks(execute=True):
        order = ledger.paid_order(destination_hub=hgh, bank=bank, payment_currency="CNY")
    declaration = Declaration.objects.get(order=order)
    assert declaration.paid_amount == order.total.amount  # paid in full, in yuan


def test_a_business_buyer_owns_its_import_declaration(hgh, bank):
    from pipeline.customs_filing import import_request

    order = ledger.paid_order(destination_hub=hgh, bank=bank)
    request = import_request(order, waybill="KUL123")
    assert request.organization == order.buyer and request.regime == "CN_IMPORT"
