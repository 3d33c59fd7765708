"""Steps 8 and 9: a released settlement is paid out to the seller's bank at once; the bank's
settlement ends the order's journey; a rejected payout comes back and goes again when the
owners fix the account; a seller without a payout account keeps the money until it has one."""

import pytest
from django.core import mail

from hubs.services.organizations import organization_update
from payments.models import Payout
from payments.services.accounts import customer_account
from payments.services.escrow import escrow_release
from payments.services.ledger import account_balance
from payments.services.payouts import payout_status_report, payouts_batch
from tests import factories, ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def released(hgh, bank, django_capture_on_commit_callbacks):
    """A delivered order's escrow released, and the steps after it run."""
    order = ledger.deliver(ledger.paid_order(destination_hub=hgh, bank=bank))
    return order, lambda: ledger.release(order, django_capture_on_commit_callbacks)


def report(bank, payout, status, reason_code="", *, steps):
    with steps(execute=True):
        return payout_status_report(
            bank=bank, end_to_end_id=payout.end_to_end_id, status=status, reason_code=reason_code
        )


def balance(organization):
    return account_balance(customer_account(organization=organization, currency="MYR")).amount


def test_a_released_settlement_is_paid_out_and_settles_the_order(
    released, bank, django_capture_on_commit_callbacks
):
    order, release = released
    order = release()
    payout = Payout.objects.get()
    assert payout.settlement == order.settlement
    assert payout.amount_minor == order.settlement.net_minor
    assert balance(order.seller) == 0  # all of it on its way to the seller's bank
    payouts_batch(bank=bank)
    report(bank, payout, "accepted", steps=django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert order.status == "completed"  # accepted is not yet paid
    report(bank, payout, "settled", steps=django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert order.status == "settled"
    assert payout.end_to_end_id in order.transitions.last().reason
    report(bank, payout, "settled", steps=django_capture_on_commit_callbacks)  # a repeat
    assert order.transitions.filter(to_status="settled").count() == 1
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_a_rejected_payout_goes_again_once_the_owners_fix_the_account(
    released, bank, django_capture_on_commit_callbacks
):
    steps = django_capture_on_commit_callbacks
    order, release = released
    order = release()
    first = Payout.objects.get()
    payouts_batch(bank=bank)
    report(bank, first, "rejected", "AC01", steps=steps)
    order.seller.refresh_from_db()
    assert order.seller.payout_account_problem.startswith("AC01")
    assert balance(order.seller) == first.amount.amount  # the money is back
    assert Payout.objects.count() == 1  # not sent again to the account the bank refused
    with steps(execute=True):
        organization_update(
            organization=order.seller, actor=None, payout_account_number="514099998888"
        )
    second = Payout.objects.exclude(pk=first.pk).get()
    assert (second.settlement, second.creditor_account) == (order.settlement, "514099998888")
    assert balance(order.seller) == 0
    payouts_batch(bank=bank)
    report(bank, second, "settled", steps=steps)
    order.refresh_from_db()
    assert order.status == "settled"
    with steps(execute=True):  # a later change of account sends nothing more
        organization_update(organization=order.seller, actor=None, payout_account_name="Batik")
    assert Payout.objects.count() == 2
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_a_seller_without_a_payout_account_keeps_the_money_until_it_has_one(
    released, django_capture_on_commit_callbacks
):
    order, release = released
    order.seller.payout_account_number = ""
    order.seller.save()
    order = release()
    assert not Payout.objects.exists()
    assert balance(order.seller) == order.settlement.net.amount
    with django_capture_on_commit_callbacks(execute=True):
        organization_update(
            organization=order.seller, actor=None, payout_account_number="514012345678"
        )
    assert Payout.objects.get().settlement == order.settlement
    assert balance(order.seller) == 0


def test_owners_who_paid_their_balance_out_first_are_not_paid_twice(hgh, bank):
    from ewtp.common.models import OutboxEvent
    from ewtp.common.outbox import outbox_dispatch
    from payments.services.payouts import payout_request

    order = ledger.deliver(ledger.paid_order(destination_hub=hgh, bank=bank))
    escrow_release(order=order, actor_label="buyer", reason="Received.")  # step 8 not run yet
    order.refresh_from_db()
    owner = factories.member(order.seller)
    own = payout_request(organization=order.seller, amount=order.settlement.net, actor=owner)
    released = OutboxEvent.objects.get(name="payments.escrow_released")
    outbox_dispatch(event_id=released.pk)  # step 8, late: the money has gone already
    assert list(Payout.objects.all()) == [own]
    assert balance(order.seller) == 0
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_a_payout_the_bank_rejects_for_its_own_reasons_goes_again_then_is_held(
    released, bank, mdec_officer, django_capture_on_commit_callbacks
):
    steps = django_capture_on_commit_callbacks
    order, release = released
    order = release()
    for attempt in range(3):
        payout = Payout.objects.filter(status="requested").get()
        payouts_batch(bank=bank)
        report(bank, payout, "rejected", "AM04", steps=steps)
        assert Payout.objects.count() == min(attempt + 2, 3)
    assert not Payout.objects.filter(status="requested").exists()  # held after three
    assert balance(order.seller) == order.settlement.net.amount
    assert any("held" in m.subject and mdec_officer.email in m.to for m in mail.outbox)
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
