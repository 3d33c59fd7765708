"""The hub's own money at its partner banks: the daily FX settlement with each bank (its
deals and the pain.001 instruction), and the bank's camt.053 statements reconciled with the
ledger."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from ewtp.common.models import BaseModel
from ewtp.common.money import money_from_minor
from ewtp.common.states import StateMachine

from .ledger import Account, Entry, FxConversion, LedgerTransaction


class TreasurySettlement(BaseModel, StateMachine):
    """One day's FX deals with one partner bank: the conversions of the day (and any booked
    too late for an earlier day's run) exchanged with the bank, one deal per currency pair.
    A conversion belongs to one settlement only (FxDealConversion); the (bank, day) pair is
    settled once."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")  # the deals are in the ledger; the instruction is next
        INSTRUCTED = "instructed", _("Instructed")  # the pain.001 is ready for the bank

    TRANSITIONS = {Status.BOOKED: {Status.INSTRUCTED}, Status.INSTRUCTED: set()}

    bank = models.ForeignKey("common.ApiClient", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(help_text="The UTC day whose conversions (and earlier ones) it settles")
    message_id = models.CharField(max_length=35, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    # pain.001.001.09; empty when no deal moves money at the bank
    instruction = models.TextField(blank=True)
    instructed_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            # a re-run of the day's settlement (beat, retry, the demo) finds the first
            models.UniqueConstraint(fields=["bank", "day"], name="treasury_settlement_once"),
        ]

    def __str__(self):
        return self.message_id


class FxDeal(models.Model):
    """One currency pair of a settlement: the hub's net position in one currency of the pair
    exchanged with the bank for the other at the day's reference rate. What the position in
    the other currency does not cover is the hub's FX result (its spread, less what the rate
    moved while the position was open)."""

    settlement = models.ForeignKey(
        TreasurySettlement, on_delete=models.PROTECT, related_name="deals"
    )
    end_to_end_id = models.CharField(max_length=35, unique=True)
    sold_minor = models.BigIntegerField(help_text="What the hub delivers to the bank")
    sold_currency = models.CharField(max_length=3)
    bought_minor = models.BigIntegerField(help_text="What the bank credits to the hub")
    bought_currency = models.CharField(max_length=3)
    # the agreed rate: units of the result currency per unit of the position's currency
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    rate_source = models.CharField(max_length=20)
    rate_as_of = models.DateField()
    result_minor = models.BigIntegerField(default=0)
    result_currency = models.CharField(max_length=3)
    # None when the pair's conversions cancelled out exactly: nothing to post
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["settlement_id", "id"]
        constraints = [
            models.CheckConstraint(
                name="fx_deal_amounts_not_negative",
                condition=Q(sold_minor__gte=0) & Q(bought_minor__gte=0),
            ),
        ]

    def __str__(self):
        return f"{self.end_to_end_id} {self.sold} → {self.bought}"

    @property
    def sold(self) -> Money:
        return money_from_minor(self.sold_minor, self.sold_currency)

    @property
    def bought(self) -> Money:
        return money_from_minor(self.bought_minor, self.bought_currency)

    @property
    def result(self) -> Money:
        return money_from_minor(self.result_minor, self.result_currency)

    @property
    def position_currency(self) -> str:
        """The currency the hub's position was exchanged whole in: its leg is exact, the
        other is the position at the rate."""
        if self.sold_currency != self.result_currency:
            return self.sold_currency
        return self.bought_currency

    @property
    def moves_money(self) -> bool:
        """Whether the bank has anything to book (an instruction line)."""
        return self.sold_minor > 0 and self.bought_minor > 0


class FxDealConversion(models.Model):
    """A conversion settled by a deal: each conversion is settled once (the one-to-one)."""

    deal = models.ForeignKey(FxDeal, on_delete=models.PROTECT, related_name="conversion_links")
    conversion = models.OneToOneField(
        FxConversion, on_delete=models.PROTECT, related_name="deal_link"
    )

    def __str__(self):
        return f"{self.deal_id}: {self.conversion_id}"


class StatementReconciliation(BaseModel):
    """One camt.053 statement of a clearing account as the bank sent it, matched entry by
    entry with the ledger, and its balances compared with the ledger's."""

    class Status(models.TextChoices):
        AGREED = "agreed", _("Agrees with the ledger")  # every entry matched, balances equal
        DIFFERENCES = "differences", _("Differences")  # a person looks at the lines below

    bank = models.ForeignKey("common.ApiClient", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    statement_id = models.CharField(max_length=35)
    message_id = models.CharField(max_length=35)
    # sha256 of what the statement says (period, balances, entries): the same statement
    # sent again is recognised, one with other content under the same id refused
    fingerprint = models.CharField(max_length=64)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(help_text="exclusive")
    opening_minor = models.BigIntegerField(help_text="The bank's opening booked balance")
    closing_minor = models.BigIntegerField(help_text="The bank's closing booked balance")
    ledger_opening_minor = models.BigIntegerField()
    ledger_closing_minor = models.BigIntegerField()
    entries = models.PositiveIntegerField()
    matched = models.PositiveIntegerField()
    statement_only = models.PositiveIntegerField()
    ledger_only = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices)
    actor_label = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "account", "statement_id"], name="statement_received_once"
            ),
        ]

    def __str__(self):
        return f"{self.statement_id} ({self.account})"

    @property
    def currency(self) -> str:
        return self.account.currency

    @property
    def opening(self) -> Money:
        return money_from_minor(self.opening_minor, self.account.currency)

    @property
    def closing(self) -> Money:
        return money_from_minor(self.closing_minor, self.account.currency)

    @property
    def ledger_opening(self) -> Money:
        return money_from_minor(self.ledger_opening_minor, self.account.currency)

    @property
    def ledger_closing(self) -> Money:
        return money_from_minor(self.ledger_closing_minor, self.account.currency)

    @property
    def opening_difference(self) -> Money:
        return self.opening - self.ledger_opening

    @property
    def closing_difference(self) -> Money:
        return self.closing - self.ledger_closing


class StatementLine(models.Model):
    """A line of a reconciliation: a statement entry matched to a ledger entry, one the
    ledger lacks, or a ledger entry of the period the statement lacks. Amounts are as the
    bank books them on the hub's account (CRDT: the bank holds more for the hub)."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", _("Matched")
        STATEMENT_ONLY = "statement_only", _("In the statement, not in the ledger")
        LEDGER_ONLY = "ledger_only", _("In the ledger, not in the statement")

    reconciliation = models.ForeignKey(
        StatementReconciliation, on_delete=models.PROTECT, related_name="lines"
    )
    outcome = models.CharField(max_length=14, choices=Outcome.choices)
    # No foreign key in the database: entries are partitioned by month on PostgreSQL, where a
    # key must name the month too; a deferred trigger refuses a line naming no entry
    # (payments/migrations/0018).
    entry = models.ForeignKey(
        Entry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    entry_reference = models.CharField(max_length=35, blank=True, help_text="camt.053 NtryRef")
    reference = models.CharField(
        max_length=100, blank=True, help_text="End-to-end id or the bank's reference"
    )
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    credit_debit = models.CharField(max_length=4)
    booked_on = models.DateField()
    description = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["reconciliation_id", "id"]
        constraints = [
            # a ledger entry answers for one statement entry of a reconciliation
            models.UniqueConstraint(
                fields=["reconciliation", "entry"],
                condition=Q(entry__isnull=False),
                name="statement_line_entry_once",
            ),
        ]
        indexes = [
            # the reconciliation pages: the unmatched lines of a statement
            models.Index(fields=["reconciliation", "outcome"], name="statement_line_outcome_idx"),
        ]

    def __str__(self):
        return f"{self.outcome} {self.reference} {self.amount}"

    @property
    def amount(self) -> Money:
        return money_from_minor(self.amount_minor, self.currency)
