"""The money of an order: what the buyer owes (PaymentIntent) and the transfers that paid it
(IncomingPayment), the platform fee a hub charges (FeeSchedule), and what the seller got when
escrow was released (Settlement)."""

from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from ewtp.common.models import BaseModel
from ewtp.common.money import money_from_minor
from ewtp.common.states import StateMachine

from .ledger import FxConversion, LedgerTransaction


class PaymentIntent(BaseModel, StateMachine):
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
