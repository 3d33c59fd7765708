"""The double-entry ledger: accounts, balanced transactions, immutable entries.

Every movement of money is one LedgerTransaction whose entries sum to zero per currency.
Entries are never changed or deleted; a correction is a new transaction that names the one it
reverses. Balances are sums of entries. On PostgreSQL, triggers added by migration 0002 make
the database itself refuse an unbalanced commit and any UPDATE or DELETE of an entry.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
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
    # account's history. NULL until the first posting. The hub's own accounts leave it NULL
    # and sum their entries: every flow through a bank, hub or currency posts to them, and a
    # row lock there would serialise all of those flows and let multi-posting transactions
    # deadlock. Balances as of a date always sum entries.
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


class PaymentIntent(BaseModel):
    """What the buyer of an order owes, and how much of it has arrived."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")  # nothing or part of it received
        PAID = "paid", _("Paid")  # the full amount is held in escrow
        CLOSED = "closed", _("Closed")  # the order ended unpaid; what arrived went back

    TRANSITIONS = {
        Status.PENDING: {Status.PAID, Status.CLOSED},
        Status.PAID: set(),
        Status.CLOSED: set(),
    }

    order = models.OneToOneField(
        "hubs.Order", on_delete=models.PROTECT, related_name="payment_intent"
    )
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    received_minor = models.BigIntegerField(default=0)
    # When the buyer pays in another currency than the order's: the reference rate used
    # (payment-currency units per order-currency unit, no spread), its source and date.
    fx_rate = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    fx_rate_source = models.CharField(max_length=20, blank=True)
    fx_rate_as_of = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # DDP: the quoted import duties within the amount (in its currency); at the import's
    # release the assessed duties are paid from escrow and the difference settled
    duties_minor = models.BigIntegerField(default=0)
    duties_assessed_minor = models.BigIntegerField(null=True, blank=True)
    duties_settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(name="intent_amount_positive", condition=Q(amount_minor__gt=0)),
            models.CheckConstraint(
                name="intent_duties_within_amount",
                condition=Q(duties_minor__gte=0) & Q(duties_minor__lt=models.F("amount_minor")),
            ),
        ]

    def __str__(self):
        return f"{self.order_id} {self.amount}"

    @property
    def amount(self) -> Money:
        return money_from_minor(self.amount_minor, self.currency)

    @property
    def received(self) -> Money:
        return money_from_minor(self.received_minor, self.currency)

    @property
    def outstanding(self) -> Money:
        return money_from_minor(max(self.amount_minor - self.received_minor, 0), self.currency)

    @property
    def duties(self) -> Money:
        return money_from_minor(self.duties_minor, self.currency)

    @property
    def duties_assessed(self) -> Money | None:
        if self.duties_assessed_minor is None:
            return None
        return money_from_minor(self.duties_assessed_minor, self.currency)

    @property
    def duties_unsettled_minor(self) -> int:
        """Quoted duties escrow keeps for customs until the import is assessed."""
        return 0 if self.duties_settled_at else self.duties_minor

    @property
    def goods_minor(self) -> int:
        """What the seller's settlement is measured against: the amount less the quoted
        duties, less what an assessment above the quote took from the goods (DDP: the
        seller's to bear)."""
        above_quote = max((self.duties_assessed_minor or 0) - self.duties_minor, 0)
        return self.amount_minor - self.duties_minor - above_quote


class IncomingPayment(BaseModel):
    """A transfer a partner bank reported (or the demo's test transfer), once per bank reference."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied to the order")
        REFUNDED = "refunded", _("Returned: the order was no longer payable")

    bank = models.ForeignKey("common.ApiClient", on_delete=models.PROTECT, related_name="+")
    bank_reference = models.CharField(max_length=100)
    intent = models.ForeignKey(PaymentIntent, on_delete=models.PROTECT, related_name="payments")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    payer_name = models.CharField(max_length=140)
    payer_account = models.CharField(max_length=34, blank=True)
    # the payer's identity document number as the bank reported it (retail imports: the
    # payment record of China's three-record match); empty when the bank sent none
    payer_id_reference = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    overpaid_minor = models.BigIntegerField(default=0)
    ledger_transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # a bank's retried notification is one payment
            models.UniqueConstraint(
                fields=["bank", "bank_reference"], name="incoming_payment_once"
            ),
            models.CheckConstraint(
                name="incoming_payment_positive", condition=Q(amount_minor__gt=0)
            ),
        ]

    def __str__(self):
        return f"{self.bank_reference} {self.amount}"

    @property
    def amount(self) -> Money:
        return money_from_minor(self.amount_minor, self.currency)


class FeeSchedule(BaseModel):
    """The platform fee a hub charges sellers at escrow release: a percentage plus a fixed
    amount in the hub's currency, from a date on (the latest schedule in force applies)."""

    hub = models.ForeignKey("hubs.Hub", on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(max_digits=5, decimal_places=2, help_text="e.g. 2.50 for 2.5 %")
    fixed_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    effective_from = models.DateField()

    class Meta:
        ordering = ["hub_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "effective_from"], name="fee_schedule_once_per_day"
            ),
            models.CheckConstraint(
                name="fee_percent_range", condition=Q(percent__gte=0, percent__lte=50)
            ),
            models.CheckConstraint(name="fee_fixed_not_negative", condition=Q(fixed_minor__gte=0)),
        ]

    def __str__(self):
        return f"{self.hub_id} {self.percent}% + {self.fixed_minor} from {self.effective_from}"


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


class Settlement(BaseModel):
    """What a seller got for an order when escrow was released: the amount held (in the
    currency the buyer paid), converted to the seller's currency at the day's rate less the
    spread (the FxConversion of the same transaction), less the platform fee."""

    order = models.OneToOneField("hubs.Order", on_delete=models.PROTECT, related_name="settlement")
    organization = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="settlements"
    )
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="settlement"
    )
    held_minor = models.BigIntegerField()
    held_currency = models.CharField(max_length=3)
    # less the origin hub's shipping and insurance charges of the order, which go to the hub
    # in the same transaction (``shipping``, ``insurance``): what is left is the seller's
    gross_minor = models.BigIntegerField(help_text="The held amount in the seller's currency.")
    fee_minor = models.BigIntegerField()
    net_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="settlement_net_is_gross_less_fee",
                condition=Q(net_minor=models.F("gross_minor") - models.F("fee_minor"))
                & Q(fee_minor__gte=0)
                & Q(net_minor__gte=0),
            ),
        ]

    def __str__(self):
        return f"{self.order_id} {self.net}"

    @property
    def conversion(self) -> FxConversion | None:
        """The rate the held amount converted at; None when no conversion was needed."""
        try:
            return self.ledger_transaction.fx
        except FxConversion.DoesNotExist:
            return None

    @property
    def held(self) -> Money:
        return money_from_minor(self.held_minor, self.held_currency)

    @property
    def gross(self) -> Money:
        return money_from_minor(self.gross_minor, self.currency)

    @property
    def fee(self) -> Money:
        return money_from_minor(self.fee_minor, self.currency)

    @property
    def net(self) -> Money:
        return money_from_minor(self.net_minor, self.currency)

    @cached_property
    def _hub_charges_minor(self) -> dict[str, int]:
        """The origin hub's charges taken in the release: the entries of its transaction on
        the hub's carriage and insurance accounts (payments.services.accounts)."""
        charges = {"carriage": 0, "insurance": 0}
        entries = self.ledger_transaction.entries.filter(
            Q(account__key__startswith="carriage:") | Q(account__key__startswith="insurance:")
        ).values_list("account__key", "amount_minor")
        for key, amount_minor in entries:
            charges[key.split(":", 1)[0]] += amount_minor
        return charges

    @property
    def shipping(self) -> Money:
        return money_from_minor(self._hub_charges_minor["carriage"], self.currency)

    @property
    def insurance(self) -> Money:
        return money_from_minor(self._hub_charges_minor["insurance"], self.currency)

    @property
    def converted(self) -> Money:
        """The held amount in the seller's currency, before the hub's charges."""
        return self.gross + self.shipping + self.insurance


class PayoutBatch(BaseModel):
    """Payouts handed to one partner bank in one ISO 20022 pain.001 message."""

    bank = models.ForeignKey("common.ApiClient", on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(max_length=35, unique=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.message_id


class Payout(BaseModel):
    class Status(models.TextChoices):
        REQUESTED = (
            "requested",
            _("Requested"),
        )  # funds moved to the bank's clearing; waits for a batch
        BATCHED = "batched", _("Sent to the bank")  # in a pain.001 batch
        ACCEPTED = "accepted", _("Accepted by the bank")
        SETTLED = "settled", _("Paid")
        REJECTED = "rejected", _("Rejected: funds returned")  # the seller must fix its bank details

    TRANSITIONS = {
        Status.REQUESTED: {Status.BATCHED},
        Status.BATCHED: {Status.ACCEPTED, Status.SETTLED, Status.REJECTED},
        Status.ACCEPTED: {Status.SETTLED, Status.REJECTED},
        Status.SETTLED: set(),
        Status.REJECTED: set(),
    }
    # on its way or paid: a settlement with one of these is not paid out again
    LIVE = (Status.REQUESTED, Status.BATCHED, Status.ACCEPTED, Status.SETTLED)

    organization = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="payouts"
    )
    bank = models.ForeignKey("common.ApiClient", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    end_to_end_id = models.CharField(max_length=35, unique=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    creditor_name = models.CharField(max_length=140)
    creditor_bic = models.CharField(max_length=11)
    creditor_account = models.CharField(max_length=34)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    reason_code = models.CharField(
        max_length=10, blank=True, help_text="ISO 20022 status reason, e.g. AC01"
    )
    ledger_transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="+"
    )
    # the order settlement this pays out (the journey's own payout); empty for a payout the
    # owners requested of their balance. A rejected one is followed by another.
    settlement = models.ForeignKey(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="payout_positive", condition=Q(amount_minor__gt=0))
        ]
        indexes = [
            # the batching sweep: requested payouts per bank
            models.Index(fields=["bank", "status"], name="payout_batching_idx"),
        ]

    def __str__(self):
        return f"{self.end_to_end_id} {self.amount}"

    @property
    def amount(self) -> Money:
        return money_from_minor(self.amount_minor, self.currency)
