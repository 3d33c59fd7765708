"""Credit from the trade record: scores with their factors, applications with the SME's
consent to one partner bank, loans drawn through the ledger and repaid from settlements.

The bank lends: a drawdown moves money from its clearing account to the SME's balance, and
every repayment moves it back; the hub's ledger records both, so a loan never moves money
outside the ledger."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from ewtp.common.models import BaseModel
from ewtp.common.money import money_from_minor
from ewtp.common.states import StateMachine

from .ledger import LedgerTransaction
from .orders import Settlement


def application_reference() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "CR-" + "".join(secrets.choice(alphabet) for _ in range(8))


class CreditScore(BaseModel):
    """One computation of an organisation's score: the inputs it was computed from (the
    trade record as the platform saw it), each factor's value and contribution, and the
    engine version, so that any decision can be computed again from what is stored."""

    class Band(models.TextChoices):
        A = "A", _("A: excellent")
        B = "B", _("B: good")
        C = "C", _("C: fair")
        D = "D", _("D: limited")
        E = "E", _("E: not yet")

    organization = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="credit_scores"
    )
    score = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=1, choices=Band.choices)
    engine = models.CharField(max_length=20)  # the engine version that computed it
    inputs = models.JSONField()
    factors = models.JSONField()  # [{code, label, value, points, best, hint}]
    trigger = models.CharField(max_length=20)  # nightly, on demand, application

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # an organisation's latest score; its history
            models.Index(fields=["organization", "-created_at"], name="credit_score_latest_idx"),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.score} {self.band}"


class CreditApplication(BaseModel, StateMachine):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the bank")  # above the automatic limits
        APPROVED = "approved", _("Approved")  # may be drawn down
        DECLINED = "declined", _("Declined")
        DRAWN = "drawn", _("Drawn down")  # a loan runs
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.DECLINED, Status.WITHDRAWN},
        Status.APPROVED: {Status.DRAWN, Status.WITHDRAWN},
        Status.DECLINED: set(),
        Status.DRAWN: set(),
        Status.WITHDRAWN: set(),
    }

    reference = models.CharField(max_length=12, unique=True, default=application_reference)
    organization = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="credit_applications"
    )
    score = models.ForeignKey(CreditScore, on_delete=models.PROTECT, related_name="+")
    # the one partner bank the SME let see its data for this application
    bank = models.ForeignKey("common.ApiClient", on_delete=models.PROTECT, related_name="+")
    consent_given_at = models.DateTimeField()
    consent_text = models.CharField(max_length=500)
    applied_by = models.ForeignKey(
        "hubs.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    tenor_months = models.PositiveSmallIntegerField()
    rate_percent = models.DecimalField(max_digits=5, decimal_places=2)  # a year, flat
    fee_minor = models.BigIntegerField()
    total_cost_minor = models.BigIntegerField()  # interest and fee over the tenor
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.CharField(max_length=140, blank=True)  # "automatic" or the bank
    decided_at = models.DateTimeField(null=True, blank=True)
    reasons = models.JSONField(default=list)
    decision_ms = models.PositiveIntegerField(null=True, blank=True)  # apply → decision

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="credit_amount_positive", condition=Q(amount_minor__gt=0)),
            models.CheckConstraint(
                name="credit_tenor_sane", condition=Q(tenor_months__gte=1, tenor_months__lte=36)
            ),
            # an organisation applies for one line at a time
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(status__in=["pending", "approved"]),
                name="credit_one_open_application",
            ),
        ]
        indexes = [
            # a bank's list: the applications its SMEs consented to share with it
            models.Index(fields=["bank", "-created_at"], name="credit_bank_list_idx"),
        ]

    def __str__(self):
        return self.reference

    @property
    def amount(self) -> Money:
        return money_from_minor(self.amount_minor, self.currency)

    @property
    def fee(self) -> Money:
        return money_from_minor(self.fee_minor, self.currency)

    @property
    def total_cost(self) -> Money:
        return money_from_minor(self.total_cost_minor, self.currency)


class Loan(BaseModel, StateMachine):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Being repaid")
        REPAID = "repaid", _("Repaid")

    TRANSITIONS = {Status.ACTIVE: {Status.REPAID}, Status.REPAID: set()}

    application = models.OneToOneField(
        CreditApplication, on_delete=models.PROTECT, related_name="loan"
    )
    organization = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="loans"
    )
    bank = models.ForeignKey("common.ApiClient", on_delete=models.PROTECT, related_name="+")
    principal_minor = models.BigIntegerField()
    interest_minor = models.BigIntegerField()
    fee_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    rate_percent = models.DecimalField(max_digits=5, decimal_places=2)
    tenor_months = models.PositiveSmallIntegerField()
    repayment_share_percent = models.DecimalField(max_digits=5, decimal_places=2)
    drawn_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    drawdown = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="loan_drawn"
    )
    repaid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # one loan at a time: repaid before the next is drawn
            models.UniqueConstraint(
                fields=["organization"], condition=Q(status="active"), name="loan_one_active"
            ),
        ]

    def __str__(self):
        return f"{self.application_id} {self.principal}"

    @property
    def principal(self) -> Money:
        return money_from_minor(self.principal_minor, self.currency)

    @property
    def repayable(self) -> Money:
        return money_from_minor(self.principal_minor + self.interest_minor, self.currency)


class Instalment(StateMachine):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")

    # paid late is still paid (``late`` keeps that it was overdue)
    TRANSITIONS = {
        Status.SCHEDULED: {Status.PAID, Status.OVERDUE},
        Status.OVERDUE: {Status.PAID},
        Status.PAID: set(),
    }

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    starts_on = models.DateField()  # from when settlements are deducted towards it
    due_on = models.DateField()
    principal_minor = models.BigIntegerField()
    interest_minor = models.BigIntegerField()
    paid_minor = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    paid_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)  # it was overdue before it was paid

    class Meta:
        ordering = ["loan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="instalment_once"),
            models.CheckConstraint(
                name="instalment_paid_within",
                condition=Q(paid_minor__gte=0)
                & Q(paid_minor__lte=models.F("principal_minor") + models.F("interest_minor")),
            ),
        ]
        indexes = [
            # the overdue sweep: unpaid instalments past their day
            models.Index(fields=["status", "due_on"], name="instalment_due_idx"),
        ]

    def __str__(self):
        return f"{self.loan_id}/{self.number}"

    @property
    def amount_minor(self) -> int:
        return self.principal_minor + self.interest_minor

    @property
    def outstanding_minor(self) -> int:
        return self.amount_minor - self.paid_minor

    @property
    def amount(self) -> Money:
        return money_from_minor(self.amount_minor, self.loan.currency)

    @property
    def principal(self) -> Money:
        return money_from_minor(self.principal_minor, self.loan.currency)

    @property
    def interest(self) -> Money:
        return money_from_minor(self.interest_minor, self.loan.currency)

    @property
    def paid(self) -> Money:
        return money_from_minor(self.paid_minor, self.loan.currency)

    @property
    def outstanding(self) -> Money:
        return money_from_minor(self.outstanding_minor, self.loan.currency)


class LoanRepayment(models.Model):
    class Source(models.TextChoices):
        SETTLEMENT = "settlement", _("Deducted from a settlement")
        EARLY = "early", _("Repaid from the balance")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="loan_repayment"
    )
    settlement = models.OneToOneField(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="loan_deduction"
    )
    amount_minor = models.BigIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["loan_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(name="repayment_positive", condition=Q(amount_minor__gt=0))
        ]

    def __str__(self):
        return f"{self.loan_id} {self.amount_minor}"

    @property
    def amount(self) -> Money:
        return money_from_minor(self.amount_minor, self.loan.currency)
