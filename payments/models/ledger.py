"""The double-entry ledger: accounts, balanced transactions, immutable entries, and the
reference rates and conversions that move money between currencies.

Every movement of money is one LedgerTransaction whose entries sum to zero per currency.
Entries are never changed or deleted; a correction is a new transaction that names the one it
reverses. Balances are sums of entries. On PostgreSQL, triggers added by migration 0002 make
the database itself refuse an unbalanced commit and any UPDATE or DELETE of an entry; entries
are partitioned by month (migration 0018), and the database keeps every account's balance in
BalanceShard rows as entries are inserted (migration 0019).
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from ewtp.common.models import BaseModel
from ewtp.common.money import money_from_minor


class Account(BaseModel):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Organisation balance")  # what an organisation holds with the hub
        ESCROW = "escrow", _("Escrow of an order")  # a buyer's payment held until release
        FEES = "fees", _("Platform fees")  # per hub
        # per hub: what it charged for carrying orders on its e-roads, and the premiums of
        # the cargo insurance it gave them (hubs.models.carriage)
        CARRIAGE = "carriage", _("Shipping charges")
        INSURANCE = "insurance", _("Cargo insurance premiums")
        DUTIES = "duties", _("Customs duties payable")  # per hub, owed to the customs authority
        FX = "fx", _("FX position")  # per currency: the other side of every conversion
        # per currency: what the hub made (or lost) on conversions once their positions were
        # settled with a bank (payments/services/treasury.py)
        FX_RESULT = "fx_result", _("FX result")
        BANK_CLEARING = "bank_clearing", _("Partner bank clearing")  # money in transit at a bank
        # per organisation and currency: what it owes the hub (negative), such as duty a
        # customs audit found short paid that its balance could not cover; collected from
        # its next settlements (payments/services/audit_duties.py)
        RECEIVABLE = "receivable", _("Owed to the hub")

    # Accounts that belong to someone else's money can never go below zero.
    NEVER_NEGATIVE = (Kind.CUSTOMER, Kind.ESCROW)

    key = models.CharField(
        max_length=120, unique=True, help_text="kind:owner:currency, e.g. customer:org:12:MYR"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    organization = models.ForeignKey(
        "hubs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    order = models.ForeignKey(
        "hubs.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hub = models.ForeignKey(
        "hubs.Hub", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bank = models.ForeignKey(
        "common.ApiClient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What an account that must never go negative (NEVER_NEGATIVE) holds now, in minor units:
    # ledger_post moves it in the statement that writes the entries, under the row lock that
    # its non-negative check needs anyway, so neither the check nor account_balance sums the
    # account's history. NULL until the first posting. The hub's own accounts leave it NULL:
    # every flow through a bank, hub or currency posts to them, and a row lock there would
    # serialise all of those flows and let multi-posting transactions deadlock; their balance
    # is the sum of their BalanceShard rows, which no posting waits for. Balances as of a
    # date sum the entries since that date (the partitions from its month on).
    held_minor = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                name="account_owner_matches_kind",
                condition=(
                    Q(kind__in=["customer", "receivable"], organization__isnull=False)
                    | Q(kind="escrow", order__isnull=False)
                    | Q(kind__in=["fees", "duties", "carriage", "insurance"], hub__isnull=False)
                    | Q(kind__in=["fx", "fx_result"])
                    | Q(kind="bank_clearing", bank__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return self.key

    @property
    def may_go_negative(self) -> bool:
        return self.kind not in self.NEVER_NEGATIVE


class LedgerTransaction(models.Model):
    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment received")
        RELEASE = "release", _("Escrow released")
        REFUND = "refund", _("Refund")
        FEE = "fee", _("Platform fee")
        FX = "fx", _("Currency conversion")
        FX_DEAL = "fx_deal", _("FX deal with a partner bank")
        PAYOUT = "payout", _("Payout")
        LOAN = "loan", _("Loan drawdown")
        LOAN_REPAYMENT = "loan_repayment", _("Loan repayment")
        DUTIES = "duties", _("Import duties and taxes")
        AUDIT_DUTIES = "audit_duties", _("Duty and tax found short paid by a customs audit")
        OWED_COLLECTED = "owed_collected", _("Amount owed to the hub, collected")
        REVERSAL = "reversal", _("Reversal")
        ADJUSTMENT = "adjustment", _("Adjustment")

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=200)
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    # A retried posting carries the same key and is recorded once.
    idempotency_key = models.CharField(max_length=150, null=True, blank=True, unique=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    actor_label = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.kind} {self.reference}"


class Entry(models.Model):
    """One line of a transaction: a signed amount on one account (credit +, debit −).

    Amounts are stored as whole minor units (sen, fen, cents): integers sum exactly on every
    database, where SQLite would sum decimals as floating point.
    """

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(name="entry_amount_not_zero", condition=~Q(amount_minor=0)),
        ]
        indexes = [
            # balances and statements: one account's entries in time order
            models.Index(fields=["account", "created_at", "id"], name="entry_statement_idx"),
        ]

    def __str__(self):
        return f"{self.account} {self.money}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ledger entries are immutable: post a reversing transaction instead.")
        super().save(*args, **kwargs)

    @property
    def money(self) -> Money:
        return money_from_minor(self.amount_minor, self.currency)

    @property
    def amount(self) -> Decimal:
        return self.money.amount

    @property
    def running_balance(self) -> Decimal:
        """Set by the statement selector's window sum."""
        return money_from_minor(self.running_minor, self.currency).amount


class BalanceShard(models.Model):
    """A share of an account's balance, in minor units: on PostgreSQL an account's balance
    (every kind, the hub's own included) is the sum of its shards, at most SHARDS rows.

    The database keeps them: a statement-level trigger on every INSERT of entries adds each
    account's net movement to one shard of that account (migration 0019). A posting takes
    the first shard no other transaction holds (FOR UPDATE SKIP LOCKED), trying the one its
    connection prefers first, and creates one when all are taken: concurrent postings to the
    same account (a bank's clearing account, a hub's fees) update different rows and never
    wait for each other, so there is no hot row and no lock order between transactions to
    deadlock on. Only a posting that finds every one of SHARDS shards taken waits.

    No one else writes them: a trigger refuses INSERT, UPDATE or DELETE from outside the
    entries' trigger, so the shards stay the sum of the append-only entries, which the
    test of the ledger re-adds for every account. SQLite keeps none (no statement-level
    triggers; a single writer at a time has no hot row to avoid): there balances sum entries.
    """

    SHARDS = 16

    pk = models.CompositePrimaryKey("account", "shard")
    # the primary key's index (account, shard) serves the look-ups by account
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="balance_shards", db_index=False
    )
    shard = models.SmallIntegerField()
    minor = models.BigIntegerField()

    def __str__(self):
        return f"{self.account_id}/{self.shard}: {self.minor}"


class FxRate(models.Model):
    """Units of ``quote`` per 1 ``base`` (EUR for the ECB) on a date, from a named source."""

    source = models.CharField(max_length=20)
    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=8)
    as_of = models.DateField()
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-as_of", "quote"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "base", "quote", "as_of"], name="fx_rate_once_per_day"
            ),
            models.CheckConstraint(name="fx_rate_positive", condition=Q(rate__gt=0)),
        ]
        indexes = [
            # "the latest rate on or before a date" for one currency
            models.Index(fields=["quote", "-as_of"], name="fx_rate_lookup_idx"),
        ]

    def __str__(self):
        return f"{self.as_of} 1 {self.base} = {self.rate} {self.quote} ({self.source})"


class FxConversion(models.Model):
    """One conversion: the amounts, the rate and spread used, and where the rate came from."""

    ledger_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="fx"
    )
    from_minor = models.BigIntegerField()
    from_currency = models.CharField(max_length=3)
    to_minor = models.BigIntegerField()
    to_currency = models.CharField(max_length=3)
    market_rate = models.DecimalField(max_digits=20, decimal_places=10)
    spread_percent = models.DecimalField(max_digits=5, decimal_places=2)
    applied_rate = models.DecimalField(max_digits=20, decimal_places=10)
    rate_source = models.CharField(max_length=20)
    rate_as_of = models.DateField()

    def __str__(self):
        return f"{self.from_currency}→{self.to_currency} at {self.applied_rate}"
