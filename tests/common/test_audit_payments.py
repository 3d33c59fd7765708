"""The audit trail of the payments' state machines (payment intents, payouts, credit, loans,
instalments, treasury settlements): each transition driven through its service
(tests/common/audit_expectations.py), and a bank's reports over the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from moneyed import Money

from ewtp.common.audit import SYSTEM_BEAT
from ewtp.common.models import AuditEntry
from hubs.services.orders import order_cancel
from payments.models import (
    CreditApplication,
    Instalment,
    Loan,
    PaymentIntent,
    Payout,
    TreasurySettlement,
)
from payments.services.accounts import bank_clearing_account, customer_account
from payments.services.credit import credit_decide, credit_withdraw
from payments.services.escrow import escrow_release
from payments.services.fx import fx_rates_load
from payments.services.intents import payment_intent_close
from payments.services.ledger import Posting, ledger_post
from payments.services.loans import loan_draw, loan_repay_early
from payments.services.payouts import payout_request, payout_status_report, payouts_batch
from payments.tasks import instalments_overdue_task, payouts_batch_task, treasury_settle_task
from tests import factories, ledger
from tests.common.audit_expectations import CREATED, Expect, cases, transition_audited
from tests.conftest import issue_token
from tests.payments.test_loans import apply as credit_apply_for


def _top_up(organization, bank, amount="500.00"):
    """Money in an organisation's balance, from a bank's clearing account."""
    ledger_post(
        kind="adjustment",
        description="opening balance",
        postings=[
            Posting(bank_clearing_account(bank=bank, currency="MYR"), Money(f"-{amount}", "MYR")),
            Posting(
                customer_account(organization=organization, currency="MYR"), Money(amount, "MYR")
            ),
        ],
    )


def drive_payment_intent(fixture, before, after):
    hgh = fixture("hgh")
    if after == "paid":
        bank = factories.api_client(kind="bank", name="CIMB", scopes=["payments:write"])
        order = ledger.paid_order(destination_hub=hgh, bank=bank.client)
        label = f"client:{bank.client_id}"
        return Expect(order.payment_intent, actor_label=label, reason="held in escrow")
    order = ledger.placed_order(destination_hub=hgh)  # the pipeline's step opens the intent
    if before == CREATED:
        return Expect(order.payment_intent, actor_label="pipeline")
    order_cancel(order=order, actor=None, reason="Ordered twice.", actor_label="Shop")
    payment_intent_close(order=order)
    return Expect(PaymentIntent.objects.get(order=order), actor_label="pipeline", reason="unpaid")


def drive_payout(fixture, before, after):
    fixture("kul")
    credentials = factories.api_client(
        kind="bank", name="CIMB", scopes=["payouts:read", "payouts:write"]
    )
    seller = factories.SellerFactory()
    owner = factories.member(seller)
    _top_up(seller, credentials.client)
    payout = payout_request(organization=seller, amount=Money("120.00", "MYR"), actor=owner)
    if before == CREATED:
        return Expect(payout, actor=owner)
    if after == "batched":
        payouts_batch_task()  # the beat's daily batch
        return Expect(payout, actor_label=SYSTEM_BEAT)
    payouts_batch(bank=credentials.client)
    for status in (before, after):
        if status in ("accepted", "settled", "rejected"):
            payout_status_report(
                bank=credentials.client,
                end_to_end_id=payout.end_to_end_id,
                status=status,
                reason_code="AC01" if status == "rejected" else "",
            )
    reason = "AC01" if after == "rejected" else None
    return Expect(payout, actor_label=f"client:{credentials.client_id}", reason=reason)


def _credit_line(fixture, *, pending: bool):
    """An owner's application to a lending bank: decided at once, or left to the bank."""
    fixture("kul")
    if pending:
        fixture("settings").CREDIT_AUTO_APPROVE_LIMIT = Decimal("2000")
    lender = factories.api_client(
        kind="bank", name="Lender", scopes=["credit:read", "credit:write"]
    )
    organization = factories.SellerFactory()
    owner = factories.member(organization)
    application = credit_apply_for(organization, owner, lender.client)
    assert application.status == ("pending" if pending else "approved")
    return application, owner, lender


def drive_credit(fixture, before, after):
    application, owner, lender = _credit_line(fixture, pending=before in (CREATED, "pending"))
    if before == CREATED:
        return Expect(application, actor=owner)
    if after in ("approved", "declined"):
        decision = {"approved": "approve", "declined": "decline"}[after]
        credit_decide(
            application=application, bank=lender.client, decision=decision, reasons=["Trade record"]
        )
        return Expect(application, actor_label=f"client:{lender.client_id}", reason="Trade record")
    if after == "withdrawn":
        credit_withdraw(application=application, actor=owner)
        return Expect(application, actor=owner, reason="Withdrawn")
    loan_draw(application=application, actor=owner)
    return Expect(application, actor=owner)


def drive_loan(fixture, before, after):
    application, owner, lender = _credit_line(fixture, pending=False)
    loan = loan_draw(application=application, actor=owner)
    if before == CREATED:
        return Expect(loan, actor=owner)
    _top_up(loan.organization, lender.client)
    loan_repay_early(loan=loan, actor=owner)
    return Expect(loan, actor=owner)


def drive_instalment(fixture, before, after):
    application, owner, lender = _credit_line(fixture, pending=False)
    loan = loan_draw(application=application, actor=owner)
    first = loan.instalments.get(number=1)
    if before == CREATED:
        return Expect(first, actor=owner)
    if after == "overdue":
        with time_machine.travel(first.due_on + timedelta(days=1)):
            instalments_overdue_task()  # the beat's daily sweep
        return Expect(first, actor_label=SYSTEM_BEAT, reason="not met")
    Instalment.objects.filter(pk=first.pk).update(status=before)
    _top_up(loan.organization, lender.client)
    loan_repay_early(loan=loan, actor=owner)
    return Expect(first, actor=owner)


def drive_treasury_settlement(fixture, before, after):
    """A day's conversion, settled with the bank by the beat the next night."""
    fixture("kul")
    bank = factories.api_client(kind="bank", name="CIMB", scopes=["payments:write"])
    fx_rates_load()
    order = ledger.paid_order(
        destination_hub=fixture("hgh"), bank=bank.client, payment_currency="CNY"
    )
    escrow_release(order=ledger.deliver(order), actor_label="buyer", reason="Received")
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        treasury_settle_task()
    return Expect(TreasurySettlement.objects.get(), actor_label=SYSTEM_BEAT)


DRIVERS = {
    PaymentIntent: drive_payment_intent,
    Payout: drive_payout,
    CreditApplication: drive_credit,
    Loan: drive_loan,
    Instalment: drive_instalment,
    TreasurySettlement: drive_treasury_settlement,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "before", "after"), cases("payments"))
def test_each_transition_writes_its_audit_row(request, key, before, after):
    transition_audited(DRIVERS[key[0]], request.getfixturevalue, key, before, after)


# --- end to end ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_banks_report_over_the_api_is_audited_under_its_client_id(api, kul):
    credentials = factories.api_client(
        kind="bank", name="CIMB", scopes=["payouts:read", "payouts:write"]
    )
    seller = factories.SellerFactory()
    _top_up(seller, credentials.client)
    payout = payout_request(
        organization=seller, amount=Money("80.00", "MYR"), actor=factories.member(seller)
    )
    payouts_batch(bank=credentials.client)
    token = issue_token(api, credentials).json()["access_token"]
    for status in ("accepted", "settled"):
        response = api.post(
            "/api/v1/payouts/status",
            {"end_to_end_id": payout.end_to_end_id, "status": status},
            format="json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200, response.content
    trail = AuditEntry.objects.filter(target_type="payments.payout", target_id=str(payout.pk))
    assert list(trail.order_by("id").values_list("action", "actor_label")) == [
        ("payments.payout.requested", seller.memberships.get().user.email),
        ("payments.payout.batched", "system"),
        ("payments.payout.accepted", f"client:{credentials.client_id}"),
        ("payments.payout.settled", f"client:{credentials.client_id}"),
    ]
    # a bank's repeated report changes nothing, and writes nothing
    payout_status_report(
        bank=credentials.client, end_to_end_id=payout.end_to_end_id, status="settled"
    )
    assert trail.count() == 4
