"""Loans: drawn through the ledger from the lending bank's clearing account, repaid to it by a
share of every settlement until the instalments that have started are met, or early from
the balance; instalments past their day are overdue (and lower the score).

Every movement is one balanced ledger transaction with an idempotency key: a retried
drawdown or deduction moves money once."""

import logging
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record, audit_record_bulk
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.money import money_from_minor, money_to_minor
from ewtp.common.notifications import email_after_commit
from ewtp.common.states import state_change
from hubs.models import Membership
from hubs.roles import Perm, can_act_for

from ..errors import PaymentsErrorCode
from ..models import (
    CreditApplication,
    Instalment,
    LedgerTransaction,
    Loan,
    LoanRepayment,
    Settlement,
)
from .accounts import bank_clearing_account, customer_account, fees_account
from .credit import credit_application_refusal, credit_application_transition
from .ledger import Posting, account_balance, ledger_post

logger = logging.getLogger(__name__)
Kind = LedgerTransaction.Kind


def loan_draw(*, application: CreditApplication, actor) -> Loan:
    """Draw an approved line: the bank's clearing account pays the SME's balance the amount
    less the arrangement fee (the hub's); the schedule starts today. Drawing twice returns
    the loan."""
    organization = application.organization
    if actor is not None and not can_act_for(actor, organization, Perm.ORGANIZATION_MANAGE):
        raise NotAllowedError(
            _("Only the organisation's owners draw a line."), PaymentsErrorCode.NOT_OWNER
        )
    with transaction.atomic():
        locked = CreditApplication.objects.select_for_update().get(pk=application.pk)
        existing = Loan.objects.filter(application=locked).first()
        if existing is not None:
            return existing
        if not locked.can_become(CreditApplication.Status.DRAWN):  # before any money moves
            raise credit_application_refusal(locked, CreditApplication.Status.DRAWN)
        amount = locked.amount
        fee = locked.fee
        currency = locked.currency
        drawdown = ledger_post(
            kind=Kind.LOAN,
            description=f"Loan {locked.reference} drawn from {locked.bank.application.name}",
            reference=locked.reference,
            idempotency_key=f"loan-draw:{locked.pk}",
            postings=[
                p
                for p in (
                    Posting(bank_clearing_account(bank=locked.bank, currency=currency), -amount),
                    Posting(
                        customer_account(organization=organization, currency=currency), amount - fee
                    ),
                    Posting(fees_account(hub=organization.home_hub, currency=currency), fee),
                )
                if p.amount.amount
            ],
            actor_label=actor.email if actor else "system",
        )
        interest = locked.total_cost_minor - locked.fee_minor
        today = timezone.localdate()
        loan = Loan.objects.create(
            application=locked,
            organization=organization,
            bank=locked.bank,
            principal_minor=locked.amount_minor,
            interest_minor=interest,
            fee_minor=locked.fee_minor,
            currency=currency,
            rate_percent=locked.rate_percent,
            tenor_months=locked.tenor_months,
            repayment_share_percent=Decimal(str(settings.CREDIT_REPAYMENT_SHARE_PERCENT)),
            drawn_on=today,
            drawdown=drawdown,
        )
        schedule = instalment_schedule(
            principal_minor=loan.principal_minor,
            interest_minor=interest,
            tenor_months=loan.tenor_months,
            drawn_on=today,
        )
        for instalment in schedule:
            instalment.loan = loan
            instalment.save()
        credit_application_transition(
            credit_application=locked,
            to=CreditApplication.Status.DRAWN,
            actor=actor,
            data={"loan": loan.pk},
        )
        audit_record(
            actor=actor,
            action="payments.loan.drawn",
            target=loan,
            data={"application": locked.reference, "principal_minor": loan.principal_minor},
        )
        audit_record_bulk(
            actor=actor,
            action="payments.instalment.scheduled",
            model=Instalment,
            ids=[instalment.pk for instalment in schedule],
            data={"loan": loan.pk},
        )
    return loan


def instalment_schedule(
    *, principal_minor: int, interest_minor: int, tenor_months: int, drawn_on
) -> list[Instalment]:
    """Equal monthly instalments of principal and interest (the last takes the rounding);
    each can be repaid from its month's settlements, and is due at the month's end."""
    schedule = []
    for number in range(1, tenor_months + 1):
        last = number == tenor_months
        principal = principal_minor // tenor_months
        interest = interest_minor // tenor_months
        if last:
            principal = principal_minor - principal * (tenor_months - 1)
            interest = interest_minor - interest * (tenor_months - 1)
        schedule.append(
            Instalment(
                number=number,
                starts_on=drawn_on + timedelta(days=30 * (number - 1)),
                due_on=drawn_on + timedelta(days=30 * number),
                principal_minor=principal,
                interest_minor=interest,
            )
        )
    return schedule


def _due_now(loan: Loan, today) -> list[Instalment]:
    """The unpaid instalments whose month has started, oldest first (overdue ones too)."""
    return list(
        loan.instalments.select_for_update()
        .exclude(status=Instalment.Status.PAID)
        .filter(starts_on__lte=today)
        .order_by("number")
    )


def _allocate(
    loan: Loan, instalments: list[Instalment], amount_minor: int, *, actor=None, actor_label=""
) -> None:
    """Apply a repayment to the instalments in order; close the loan when all are paid. Each
    instalment met, and the loan repaid, is an audit row of ``actor``."""
    for instalment in instalments:
        if amount_minor <= 0:
            break
        paid = min(amount_minor, instalment.outstanding_minor)
        instalment.paid_minor += paid
        amount_minor -= paid
        if instalment.outstanding_minor == 0:
            instalment_transition(
                instalment=instalment,
                to=Instalment.Status.PAID,
                actor=actor,
                actor_label=actor_label,
            )
        else:
            instalment.save(update_fields=["paid_minor"])
    if not loan.instalments.exclude(status=Instalment.Status.PAID).exists():
        loan_transition(loan=loan, to=Loan.Status.REPAID, actor=actor, actor_label=actor_label)


def instalment_transition(
    *,
    instalment: Instalment,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    data: dict | None = None,
) -> Instalment:
    """Move an instalment along Instalment.TRANSITIONS. Paid is met in full (what is paid
    towards it before then stays scheduled or overdue), and late when met after its day,
    whether or not the overdue sweep ran meanwhile; the audit row says which. The audit row
    is ``payments.instalment.paid`` or ``payments.instalment.fell_overdue``."""
    facts = dict(data or {})

    def met(locked: Instalment, before: str) -> tuple[str, ...]:
        if to != Instalment.Status.PAID:
            return ()
        locked.paid_minor = locked.amount_minor
        locked.paid_at = timezone.now()
        locked.late = (
            locked.late
            or before == Instalment.Status.OVERDUE
            or timezone.localdate() > locked.due_on
        )
        facts["late"] = locked.late  # read by the audit row, written after this
        return ("paid_minor", "paid_at", "late")

    def refusal(locked: Instalment, to: str) -> ConflictError:
        return ConflictError(
            _("Instalment %(number)s is %(status)s; it cannot become %(to)s.")
            % {
                "number": locked.number,
                "status": locked.get_status_display(),
                "to": Instalment.Status(to).label,
            },
            PaymentsErrorCode.INSTALMENT_TRANSITION,
        )

    action = "fell_overdue" if to == Instalment.Status.OVERDUE else to
    locked, _moved = state_change(
        instalment,
        to,
        refusal=refusal,
        action=f"payments.instalment.{action}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data=facts,
        apply=met,
    )
    return locked


def loan_transition(
    *, loan: Loan, to: str, actor=None, actor_label: str = "", reason: str = ""
) -> Loan:
    """Move a loan along Loan.TRANSITIONS: repaid once every instalment is paid (its caller
    checks that). The audit row is ``payments.loan.<to>``."""

    def repaid(locked: Loan, before: str) -> tuple[str, ...]:
        locked.repaid_at = timezone.now()
        return ("repaid_at",)

    def refusal(locked: Loan, to: str) -> ConflictError:
        return ConflictError(
            _("This loan is %(status)s; it cannot become %(to)s.")
            % {"status": locked.get_status_display(), "to": Loan.Status(to).label},
            PaymentsErrorCode.LOAN_TRANSITION,
        )

    locked, _moved = state_change(
        loan,
        to,
        refusal=refusal,
        action=f"payments.loan.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        apply=repaid if to == Loan.Status.REPAID else None,
    )
    return locked


def _repay(loan: Loan, amount_minor: int, *, key: str, source: str, settlement=None, label=""):
    money = money_from_minor(amount_minor, loan.currency)
    moved = ledger_post(
        kind=Kind.LOAN_REPAYMENT,
        description=f"Repayment of loan {loan.application.reference}"[:200],
        reference=loan.application.reference,
        idempotency_key=key,
        postings=[
            Posting(
                customer_account(organization=loan.organization, currency=loan.currency), -money
            ),
            Posting(bank_clearing_account(bank=loan.bank, currency=loan.currency), money),
        ],
        actor_label=label or "system",
    )
    repayment, created = LoanRepayment.objects.get_or_create(
        ledger_transaction=moved,
        defaults={
            "loan": loan,
            "amount_minor": amount_minor,
            "source": source,
            "settlement": settlement,
        },
    )
    return repayment, created


def loan_deduct_from_settlement(*, settlement: Settlement) -> LoanRepayment | None:
    """Take the loan's share of a settlement's net (CREDIT_REPAYMENT_SHARE_PERCENT), up to what
    the instalments already started still need; None when nothing is owed now. Once per
    settlement (a repeated step finds its deduction)."""
    earlier = LoanRepayment.objects.filter(settlement=settlement).first()
    if earlier is not None:
        return earlier
    with transaction.atomic():
        loan = (
            Loan.objects.select_for_update()
            .filter(organization_id=settlement.organization_id, status=Loan.Status.ACTIVE)
            .select_related("application", "organization", "bank")
            .first()
        )
        if loan is None or loan.currency != settlement.currency:
            return None
        earlier = LoanRepayment.objects.filter(settlement=settlement).first()
        if earlier is not None:  # deducted while this one waited for the loan's lock
            return earlier
        instalments = _due_now(loan, timezone.localdate())
        owed = sum(i.outstanding_minor for i in instalments)
        share = Decimal(settlement.net_minor) * loan.repayment_share_percent / 100
        amount = min(int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP)), owed)
        held = account_balance(
            customer_account(organization=loan.organization, currency=loan.currency)
        )
        amount = min(amount, money_to_minor(held))  # never more than the balance holds
        if amount <= 0:
            return None
        repayment, created = _repay(
            loan,
            amount,
            key=f"loan-deduct:{settlement.pk}",
            source=LoanRepayment.Source.SETTLEMENT,
            settlement=settlement,
            label="pipeline",
        )
        if created:  # an earlier posting of the same key was allocated when it was made
            _allocate(loan, instalments, amount, actor_label="pipeline")
    return repayment


def loan_repay_early(*, loan: Loan, actor) -> LoanRepayment:
    """Repay everything left from the balance: the principal still owed and the interest of
    the instalments already started (the interest of months not yet begun is waived)."""
    if not can_act_for(actor, loan.organization, Perm.ORGANIZATION_MANAGE):
        raise NotAllowedError(
            _("Only the organisation's owners repay a loan."), PaymentsErrorCode.NOT_OWNER
        )
    today = timezone.localdate()
    with transaction.atomic():
        locked = Loan.objects.select_for_update().select_related("application").get(pk=loan.pk)
        if locked.status != Loan.Status.ACTIVE:
            raise ConflictError(_("This loan is repaid."), PaymentsErrorCode.LOAN_REPAID)
        unpaid = list(
            locked.instalments.select_for_update()
            .exclude(status=Instalment.Status.PAID)
            .order_by("number")
        )
        for instalment in unpaid:
            if instalment.starts_on > today:  # not begun: its interest is waived
                instalment.interest_minor = min(instalment.interest_minor, 0)
                instalment.interest_minor = max(
                    instalment.paid_minor - instalment.principal_minor, 0
                )
                instalment.save(update_fields=["interest_minor"])
        owed = sum(i.outstanding_minor for i in unpaid)
        held = account_balance(
            customer_account(organization=locked.organization, currency=locked.currency)
        )
        if money_to_minor(held) < owed:
            raise ApplicationError(
                _("Your balance holds %(held)s; %(owed)s is needed to repay the loan.")
                % {"held": held, "owed": money_from_minor(owed, locked.currency)},
                PaymentsErrorCode.BALANCE_SHORT,
            )
        count = locked.repayments.count()
        repayment, created = _repay(
            locked,
            owed,
            key=f"loan-early:{locked.pk}:{count}",
            source=LoanRepayment.Source.EARLY,
            label=actor.email,
        )
        if created:
            _allocate(locked, unpaid, owed, actor=actor)
        locked.interest_minor = sum(i.interest_minor for i in locked.instalments.all())
        locked.save(update_fields=["interest_minor", "updated_at"])
    return repayment


def instalments_overdue_sweep(*, today=None, actor_label: str = "system") -> int:
    """Mark the unpaid instalments past their day overdue (beat, daily) and tell the
    owners; returns how many became overdue. Each in its own transaction with its audit row."""
    today = today or timezone.localdate()
    due = list(
        Instalment.objects.filter(
            status=Instalment.Status.SCHEDULED, due_on__lt=today
        ).select_related("loan__organization", "loan__application")
    )
    for instalment in due:
        with transaction.atomic():
            # a repayment (or another sweep) meanwhile leaves it paid (or told): skipped
            scheduled = (
                Instalment.objects.select_for_update()
                .filter(pk=instalment.pk, status=Instalment.Status.SCHEDULED)
                .first()
            )
            if scheduled is None:
                continue
            instalment_transition(
                instalment=scheduled,
                to=Instalment.Status.OVERDUE,
                actor_label=actor_label,
                reason=f"Due on {instalment.due_on}, not met.",
                data={"loan": instalment.loan_id},
            )
        loan = instalment.loan
        owners = Membership.objects.filter(
            organization=loan.organization, role=Membership.Role.OWNER
        ).values_list("user__email", flat=True)
        email_after_commit(
            to=list(owners),
            subject=f"eWTP Hub: instalment {instalment.number} of loan "
            f"{loan.application.reference} is overdue",
            body=(
                f"{instalment.outstanding} of instalment {instalment.number} was due on "
                f"{instalment.due_on}. Your next settlements repay it, or repay the loan from "
                "your balance on the loan's page; until then it lowers your credit score."
            ),
        )
    return len(due)
