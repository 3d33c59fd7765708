"""The journey's sweeper: orders stuck in a step too long are reported to the MDEC officers,
once per status."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from ewtp.pipeline.sweeper import orders_stuck_sweep
from hubs.services.orders import order_transition
from tests import factories, ledger

pytestmark = pytest.mark.django_db


def test_a_stuck_order_is_reported_once_per_status(
    hgh, mdec_officer, settings, django_capture_on_commit_callbacks
):
    bank = factories.api_client(kind="bank", name="Bank", scopes=["payments:write"]).client
    order = ledger.paid_order(destination_hub=hgh, bank=bank)
    fresh = ledger.paid_order(destination_hub=hgh, bank=bank, reference="R2")
    later = timezone.now() + timedelta(hours=settings.PIPELINE_STUCK_HOURS["paid"], minutes=1)
    order.transitions.update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_stuck_sweep(now=later - timedelta(hours=2)) == 0  # not yet
        assert orders_stuck_sweep(now=later) == 2
        assert orders_stuck_sweep(now=later) == 0  # reported already
    (message,) = mail.outbox
    assert message.to == [mdec_officer.email]
    assert order.reference in message.body and fresh.reference in message.body
    assert "KUL→HGH" in message.body
    # it moves on, and sticks again: the new status is reported afresh
    order_transition(order=order, to="in_customs", actor_label="test")
    much_later = later + timedelta(hours=settings.PIPELINE_STUCK_HOURS["in_customs"] + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_stuck_sweep(now=much_later) == 1
    assert "In customs" in mail.outbox[-1].body and order.reference in mail.outbox[-1].body
