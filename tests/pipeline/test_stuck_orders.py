"""The journey's sweeper: orders stuck in a step too long are reported to the MDEC officers,
once per status."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from hubs.services.orders import order_transition
from pipeline.sweeper import orders_stuck_sweep
from tests import factories, ledger

pytestmark = pytest.mark.django_db


def _no_customs_rate_yet(**kwargs):
    from ewtp.common.errors import ApplicationError

    raise ApplicationError("No customs rate yet.", "customs_rate_missing")


def test_a_stuck_order_is_reported_once_per_status(
    hgh, mdec_officer, settings, django_capture_on_commit_callbacks, monkeypatch
):
    # the export cannot be filed while the hub lacks its customs exchange rate
    monkeypatch.setattr("pipeline.step_02_export_declared.declaration_create", _no_customs_rate_yet)
    bank = factories.api_client(kind="bank", name="Bank", scopes=["payments:write"]).client
    order = ledger.paid_order(destination_hub=hgh, bank=bank)
    fresh = ledger.paid_order(destination_hub=hgh, bank=bank, reference="R2")
    later = timezone.now() + timedelta(hours=settings.PIPELINE_STUCK_HOURS["paid"], minutes=1)
    order.transitions.update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_stuck_sweep(now=later - timedelta(hours=2)) == 0  # not yet
        assert orders_stuck_sweep(now=later) == 2
        assert orders_stuck_sweep(now=later) == 0  # reported already
    # the paid orders' step was driven again first (here it cannot file: no customs rate)
    (message,) = [m for m in mail.outbox if "stuck" in m.subject]
    assert message.to == [mdec_officer.email]
    assert order.reference in message.body and fresh.reference in message.body
    assert "KUL→HGH" in message.body
    # it moves on, and sticks again: the new status is reported afresh
    order_transition(order=order, to="in_customs", actor_label="test")
    much_later = later + timedelta(hours=settings.PIPELINE_STUCK_HOURS["in_customs"] + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_stuck_sweep(now=much_later) == 1
    assert "In customs" in mail.outbox[-1].body and order.reference in mail.outbox[-1].body


def test_a_step_that_never_ran_is_driven_again_before_anyone_is_told(
    hgh, mdec_officer, settings, django_capture_on_commit_callbacks
):
    from ewtp.common.models import OutboxEvent
    from hubs.services.placement import LineRequest, OrderRequest, order_place

    factories.open_eroads()
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory()
    order = order_place(  # its event is lost: step 1 never runs
        request=OrderRequest(
            seller=product.seller,
            destination_hub=hgh,
            buyer=buyer,
            lines=[LineRequest(product.pk, 1)],
        ),
        actor=factories.member(buyer),
    )
    OutboxEvent.objects.all().delete()
    later = timezone.now() + timedelta(hours=settings.PIPELINE_STUCK_HOURS["placed"], minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_stuck_sweep(now=later) == 0  # driven on, not reported
    order.refresh_from_db()
    assert order.status == "awaiting_payment" and order.payment_intent.amount_minor == 4500
    assert mail.outbox == []


def test_a_settlement_that_could_not_be_paid_out_is_reported_after_a_retry(
    hgh, bank, mdec_officer, settings, django_capture_on_commit_callbacks
):
    from payments.models import Payout
    from payments.services.escrow import escrow_release

    order = ledger.deliver(ledger.paid_order(destination_hub=hgh, bank=bank))
    order.seller.payout_account_number = ""
    order.seller.save()
    escrow_release(order=order, actor_label="buyer", reason="ok")
    later = timezone.now() + timedelta(hours=settings.PIPELINE_STUCK_HOURS["completed"], minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_stuck_sweep(now=later) == 1  # tried again: no account, so a person
    assert not Payout.objects.exists()
    assert order.reference in mail.outbox[-1].body
    # the owners add the account; the next retry pays it out and nobody is told again
    order.seller.payout_account_number = "514012345678"
    order.seller.save()
    from pipeline.sweeper import _redriven

    order.refresh_from_db()
    assert _redriven(order)
    assert Payout.objects.get().settlement.order == order
