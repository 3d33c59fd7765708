"""A loan's whole life through the ledger: offer, application decided at once, drawdown, the
loan's share of three settlements, repaid and closed; the overdue path; early repayment;
the bank deciding what is above the automatic limits."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from moneyed import Money

from ewtp.common.errors import ApplicationError
from hubs.services.placement import LineRequest, OrderRequest, order_place
from payments.models import CreditApplication, Instalment, Loan, LoanRepayment, Payout
from payments.services.accounts import customer_account
from payments.services.credit import (
    CreditRequest,
    credit_apply,
    credit_decide,
    credit_score_recompute,
    credit_score_record,
)
from payments.services.escrow import escrow_release
from payments.services.intents import BankTransfer, payment_intent_open, payment_receive
from payments.services.ledger import account_balance
from payments.services.loans import instalments_overdue_sweep, loan_draw, loan_repay_early
from payments.services.scoring import TradeRecord
from tests import factories, ledger

pytestmark = pytest.mark.django_db

GOOD = factories.GOOD_TRADE_RECORD


@pytest.fixture
def banks(db):
    payer = factories.api_client(
        kind="bank", name="Payer", scopes=["payments:write", "payouts:write"]
    ).client
    lender = factories.api_client(
        kind="bank", name="Lender", scopes=["credit:read", "credit:write"]
    ).client
    return payer, lender


@pytest.fixture
def seller(hgh):
    factories.open_eroads()
    organization = factories.SellerFactory()
    return organization, factories.member(organization)


def apply(organization, owner, lender, amount="3000.00", tenor=3, record=GOOD):
    stored = credit_score_record(organization=organization, record=record, trigger="test")
    return credit_apply(
        organization=organization,
        stored=stored,
        request=CreditRequest(Money(amount, "MYR"), tenor, lender.pk, consent=True),
        actor=owner,
    )


def settle(organization, hgh, payer, price: str, steps) -> Decimal:
    """One order of ``price`` sold, paid, delivered and released: the journey's step 8 runs
    (the loan's share, then the payout). Returns the settlement's net."""
    product = factories.ProductFactory(seller=organization, unit_price=Money(price, "MYR"))
    buyer = factories.BuyerFactory()
    order = order_place(
        request=OrderRequest(
            seller=organization,
            destination_hub=hgh,
            buyer=buyer,
            lines=[LineRequest(product.pk, 1)],
        ),
        actor=factories.member(buyer),
    )
    intent = payment_intent_open(order=order)
    payment_receive(
        order_reference=order.reference,
        transfer=BankTransfer(
            bank=payer, bank_reference=f"R-{order.reference}", amount=intent.amount, payer_name="B"
        ),
    )
    order = ledger.deliver(order)
    with steps(execute=True):
        escrow_release(order=order, actor_label="buyer", reason="Received")
    order.refresh_from_db()
    return order.settlement


def balance(organization) -> Decimal:
    return account_balance(customer_account(organization=organization, currency="MYR")).amount


def test_a_loan_from_offer_to_repaid_through_three_settlements(
    seller, banks, hgh, django_capture_on_commit_callbacks
):
    organization, owner = seller
    payer, lender = banks
    application = apply(organization, owner, lender)
    assert application.status == "approved" and application.decided_by == "automatic"
    assert application.decision_ms is not None and application.decision_ms < 1000
    assert application.total_cost == Money("90.00", "MYR")  # 8 % × 3/12 + 1 % fee
    loan = loan_draw(application=application, actor=owner)
    assert loan_draw(application=application, actor=owner) == loan  # twice: one loan
    assert balance(organization) == Decimal("2970.00")  # less the 1 % fee
    assert [i.amount.amount for i in loan.instalments.all()] == [Decimal("1020.00")] * 3
    steps = django_capture_on_commit_callbacks

    first = settle(organization, hgh, payer, "2000.00", steps)  # net 1,949.00
    deduction = LoanRepayment.objects.get(settlement=first)
    assert deduction.amount_minor == round(first.net_minor * 0.2)  # the share, 20 %
    payout = Payout.objects.get(settlement=first)
    assert payout.amount_minor == first.net_minor - deduction.amount_minor
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        settle(organization, hgh, payer, "20000.00", steps)  # meets the first and second
        statuses = list(loan.instalments.values_list("status", flat=True))
        assert statuses == ["paid", "paid", "scheduled"]
    with time_machine.travel(timezone.now() + timedelta(days=62)):
        third = settle(organization, hgh, payer, "20000.00", steps)
        assert LoanRepayment.objects.get(settlement=third).amount_minor == 102_000
    loan.refresh_from_db()
    assert loan.status == "repaid" and loan.repaid_at is not None
    repaid = sum(loan.repayments.values_list("amount_minor", flat=True))
    assert repaid == 306_000 == loan.principal_minor + loan.interest_minor
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
    # the decision is reproducible from what was stored
    assert credit_score_recompute(application.score).score == application.score.score


def test_an_unpaid_instalment_becomes_overdue_and_lowers_the_next_score(
    seller, banks, hgh, django_capture_on_commit_callbacks
):
    organization, owner = seller
    payer, lender = banks
    loan = loan_draw(application=apply(organization, owner, lender), actor=owner)
    assert instalments_overdue_sweep(today=timezone.localdate() + timedelta(days=29)) == 0
    assert instalments_overdue_sweep(today=timezone.localdate() + timedelta(days=31)) == 1
    assert instalments_overdue_sweep(today=timezone.localdate() + timedelta(days=31)) == 0
    assert loan.instalments.get(number=1).status == "overdue"
    from pipeline.credit_record import trade_record

    record = trade_record(organization=organization, now=timezone.now() + timedelta(days=31))
    assert record.instalments_overdue == 1 and record.debt_minor == 306_000
    # a sale pays part of what is due; the owners repay the rest early from the balance
    with time_machine.travel(timezone.now() + timedelta(days=35)):
        settle(organization, hgh, payer, "5000.00", django_capture_on_commit_callbacks)
        loan_repay_early(loan=loan, actor=owner)
    loan.refresh_from_db()
    assert loan.status == "repaid"
    first, second, third = loan.instalments.all()
    assert first.late and not second.late
    assert third.interest_minor == 0  # a month not begun: its interest is waived
    assert sum(loan.repayments.values_list("amount_minor", flat=True)) == 304_000
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_early_repayment_needs_the_money_in_the_balance(seller, banks):
    organization, owner = seller
    _payer, lender = banks
    loan = loan_draw(application=apply(organization, owner, lender), actor=owner)
    with pytest.raises(ApplicationError, match="balance holds"):
        loan_repay_early(loan=loan, actor=owner)  # 2,970 held, 3,000 + started interest due
    assert loan.repayments.count() == 0 and Loan.objects.get(pk=loan.pk).status == "active"


def test_above_the_automatic_limit_the_bank_decides(seller, banks, settings):
    organization, owner = seller
    _payer, lender = banks
    settings.CREDIT_AUTO_APPROVE_LIMIT = Decimal("2000")
    application = apply(organization, owner, lender)
    assert application.status == "pending" and application.decided_by == ""
    decided = credit_decide(
        application=application, bank=lender, decision="approve", reasons=["Good exporter"]
    )
    assert decided.status == "approved" and decided.decided_by == "Lender"
    again = credit_decide(
        application=application, bank=lender, decision="approve", reasons=["Good exporter"]
    )
    assert again.status == "approved"  # a repeated decision is the same answer
    other = factories.api_client(kind="bank", name="Other", scopes=["credit:write"]).client
    with pytest.raises(ApplicationError):
        credit_decide(application=application, bank=other, decision="decline", reasons=["x"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "999.99"}, "amount"),
        ({"amount": "1000000.00"}, "amount"),
        ({"tenor": 12}, "tenor_months"),
        ({"tenor": 0}, "tenor_months"),
    ],
)
def test_an_application_outside_the_offer_is_refused_with_the_field(seller, banks, change, field):
    organization, owner = seller
    _payer, lender = banks
    with pytest.raises(ApplicationError) as refused:
        apply(organization, owner, lender, **change)
    assert refused.value.extra["field"] == field
    assert not CreditApplication.objects.exists()


def test_no_offer_for_a_weak_record_and_no_second_open_application(seller, banks):
    organization, owner = seller
    _payer, lender = banks
    with pytest.raises(ApplicationError, match="no credit offer"):
        apply(organization, owner, lender, record=TradeRecord(months_active=1))
    apply(organization, owner, lender)
    with pytest.raises(ApplicationError, match="open already"):
        apply(organization, owner, lender)
    assert Instalment.objects.count() == 0


def test_repaying_at_once_earns_no_history_of_instalments_met(
    seller, banks, hgh, django_capture_on_commit_callbacks
):
    from pipeline.credit_record import trade_record

    organization, owner = seller
    payer, lender = banks
    loan = loan_draw(application=apply(organization, owner, lender), actor=owner)
    settle(organization, hgh, payer, "5000.00", django_capture_on_commit_callbacks)
    loan_repay_early(loan=loan, actor=owner)
    soon = trade_record(organization=organization, now=timezone.now() + timedelta(days=1))
    assert (soon.instalments_on_time, soon.instalments_late) == (0, 0)  # none fell due yet
    later = trade_record(organization=organization, now=timezone.now() + timedelta(days=100))
    assert (later.instalments_on_time, later.instalments_late) == (3, 0)  # each met in time
    assert Loan.objects.get(pk=loan.pk).status == "repaid"
