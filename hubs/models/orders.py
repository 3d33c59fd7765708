"""Cross-border orders: B2B from a buyer organisation, B2C from a sales channel."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from djmoney.models.fields import MoneyField
from moneyed import Money

from ewtp.common.models import BaseModel
from ewtp.common.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from ewtp.common.states import StateMachine

from .catalogue import Product
from .network import Hub
from .organizations import Organization
from .users import User


def order_reference() -> str:
    """Short, unguessable, easy to read aloud: no 0/O or 1/I."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "EW-" + "".join(secrets.choice(alphabet) for _ in range(8))


class Order(BaseModel, StateMachine):
    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")  # stock reserved; payment not yet requested
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")  # payment intent open
        PAID = "paid", _("Paid")  # funds held in escrow
        IN_CUSTOMS = "in_customs", _("In customs")  # declarations filed
        SHIPPED = "shipped", _("Shipped")  # on its way on the e-road
        DELIVERED = "delivered", _("Delivered")  # buyer's confirmation window running
        COMPLETED = "completed", _("Completed")  # escrow released to the seller's balance
        SETTLED = "settled", _("Settled")  # the seller's payout of it reached its bank
        CANCELLED = "cancelled", _("Cancelled")  # before payment; stock released
        EXPIRED = "expired", _("Expired")  # payment never arrived; stock released
        REFUNDED = "refunded", _("Refunded")  # money back to the buyer
        DISPUTED = "disputed", _("Disputed")  # escrow frozen until an officer decides

    # The journey, and the ways off it (DESIGN.md). Only services move an order.
    TRANSITIONS = {
        # PAID straight from PLACED: a bank may report the money before the step that asks
        # for it has run
        Status.PLACED: {Status.AWAITING_PAYMENT, Status.PAID, Status.CANCELLED, Status.EXPIRED},
        Status.AWAITING_PAYMENT: {Status.PAID, Status.CANCELLED, Status.EXPIRED},
        Status.PAID: {Status.IN_CUSTOMS, Status.REFUNDED, Status.DISPUTED},
        Status.IN_CUSTOMS: {Status.SHIPPED, Status.REFUNDED, Status.DISPUTED},
        Status.SHIPPED: {Status.DELIVERED, Status.REFUNDED, Status.DISPUTED},
        Status.DELIVERED: {Status.COMPLETED, Status.DISPUTED},
        Status.DISPUTED: {Status.COMPLETED, Status.REFUNDED},
        Status.COMPLETED: {Status.SETTLED},
        Status.SETTLED: set(),
        Status.CANCELLED: set(),
        Status.EXPIRED: set(),
        Status.REFUNDED: set(),
    }
    UNPAID = (Status.PLACED, Status.AWAITING_PAYMENT)
    # Statuses in which the reserved stock goes back on the shelf.
    RELEASES_STOCK = (Status.CANCELLED, Status.EXPIRED)

    class Incoterm(models.TextChoices):
        DAP = "DAP", _("DAP: buyer pays import duties and taxes")
        DDP = "DDP", _("DDP: duties and taxes included, paid from escrow")

    reference = models.CharField(max_length=12, unique=True, default=order_reference)
    seller = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sales")
    buyer = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="purchases"
    )
    channel = models.ForeignKey(
        "common.ApiClient", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    origin_hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    destination_hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    incoterm = models.CharField(max_length=3, choices=Incoterm.choices, default=Incoterm.DAP)
    total = MoneyField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    # The total is in the seller's currency; the buyer may pay in another one, and escrow
    # holds what it paid until settlement converts it back (payments.services.settlement).
    payment_currency = models.CharField(
        max_length=3, help_text="The currency the buyer pays in and escrow holds."
    )
    total_weight_kg = models.DecimalField(max_digits=12, decimal_places=3)
    # The origin hub's charges for carrying the goods on the e-road and insuring them, priced
    # at placement from the rates in force (hubs.services.carriage), in the order's currency.
    # ``total`` stays the goods' value (FOB: what customs, the risk engine, the fee and the
    # trade record measure); the buyer pays these on top, and at settlement they go to the
    # hub, not the seller. Empty when the e-road had no shipping rate in force: the freight
    # is arranged outside the platform and declared as none.
    shipping_charge = MoneyField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, null=True, blank=True
    )
    insurance_charge = MoneyField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, null=True, blank=True
    )
    # DDP: the import duties and taxes the customs engine quoted when the order was placed, in
    # the order's currency; the buyer pays them with the goods into escrow (empty for DAP,
    # and until the quote is made)
    duties_quoted = MoneyField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, null=True, blank=True
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED)
    # Served from a warehouse's stock at the destination (warehousing) instead of flown from
    # the seller's hub: its units are the warehouse's, not the listing's stock, and it carries
    # no e-road freight (the goods crossed in bulk before they were sold).
    ships_from_stock = models.BooleanField(default=False)
    expires_at = models.DateTimeField(help_text="An unpaid order expires at this time.")
    placed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The buyer's confirmation window (ESCROW_CONFIRMATION_WINDOW): set at the delivered scan;
    # while a customs hold of the order lasts it is paused (paused_at set), and on release
    # the deadline moves on by the time it was paused. Escrow is released when it passes.
    confirmation_due_at = models.DateTimeField(null=True, blank=True)
    confirmation_paused_at = models.DateTimeField(null=True, blank=True)
    # The end consumer of a B2C order (what the destination's customs regime needs).
    consumer_name = models.CharField(max_length=150, blank=True)
    consumer_email = models.EmailField(blank=True)
    consumer_phone = models.CharField(max_length=30, blank=True)
    consumer_address = models.TextField(blank=True)
    consumer_country = CountryField(blank=True)
    consumer_id_reference = models.CharField(
        max_length=40, blank=True, help_text="Identity document number the destination requires."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # B2B has a buyer organisation; B2C has a channel and a named consumer
            models.CheckConstraint(
                name="order_has_a_buyer",
                condition=Q(buyer__isnull=False)
                | (Q(channel__isnull=False) & ~Q(consumer_name="")),
            ),
            models.CheckConstraint(name="order_total_positive", condition=Q(total__gt=0)),
        ]
        indexes = [
            # the expiry sweep: unpaid orders past their time
            models.Index(fields=["status", "expires_at"], name="order_expiry_idx"),
            # the release sweep: delivered orders whose confirmation window has passed
            models.Index(
                fields=["confirmation_due_at"],
                name="order_confirmation_due_idx",
                condition=Q(status="delivered", confirmation_paused_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_b2c(self) -> bool:
        return self.buyer_id is None

    @property
    def buyer_label(self) -> str:
        return str(self.buyer) if self.buyer_id else self.consumer_name

    @property
    def carried_by_hub(self) -> bool:
        """Whether the hub prices the carriage (a shipping rate was in force at placement)."""
        return self.shipping_charge is not None

    @property
    def hub_charges(self):
        """The origin hub's shipping and insurance charges together (zero when none)."""
        charges = Money(0, self.total.currency)
        for charge in (self.shipping_charge, self.insurance_charge):
            if charge is not None:
                charges += charge
        return charges

    @property
    def delivery_address_lines(self) -> list[str]:
        """Where the goods go, line by line, as a label prints it: the consumer's address, or
        the buying organisation's."""
        if self.consumer_address:
            return self.consumer_address.splitlines() or [self.consumer_address]
        if self.buyer is None:
            return []
        buyer = self.buyer
        return [line for line in (buyer.address_line, buyer.city, str(buyer.country.name)) if line]

    @property
    def cif_value(self):
        """The goods with their carriage and insurance to the destination: the customs value
        the import is declared at."""
        return self.total + self.hub_charges

    @property
    def amount_due(self):
        """What the buyer pays in the order's currency: the goods, the hub's shipping and
        insurance charges, and for DDP the quoted duties."""
        due = self.cif_value
        return due + self.duties_quoted if self.duties_quoted is not None else due

    @property
    def confirmation_paused(self) -> bool:
        return self.confirmation_paused_at is not None


class OrderLine(models.Model):
    """A line as it was at placement: price, HS code, origin and weight are snapshots."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = MoneyField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    line_total = MoneyField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    hs_code = models.CharField(max_length=10)
    origin_country = CountryField()
    unit_weight_kg = models.DecimalField(max_digits=10, decimal_places=3)

    class Meta:
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_once"),
            models.CheckConstraint(
                name="order_line_quantity_positive", condition=Q(quantity__gt=0)
            ),
        ]

    def __str__(self):
        return f"{self.order} #{self.line_no} {self.quantity} × {self.sku}"

    @property
    def title_shown(self) -> str:
        """The listing's title in the reader's language where the seller gave one; otherwise
        the title as sold (the record customs and the buyer's invoice keep)."""
        localised = self.product.title
        return localised if localised != self.product.title_en else self.title


class OrderTransition(models.Model):
    """Every status change of an order: who, when, why. Append-only."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order_id", "created_at", "id"]

    def __str__(self):
        return f"{self.order}: {self.from_status or '∅'} → {self.to_status}"

    @property
    def from_label(self) -> str:
        return Order.Status(self.from_status).label if self.from_status else ""

    @property
    def to_label(self) -> str:
        return Order.Status(self.to_status).label

    @property
    def reason_shown(self) -> str:
        from ..order_words import reason_shown

        return reason_shown(self.reason)

    @property
    def actor_shown(self) -> str:
        from ..order_words import actor_shown

        return actor_shown(self.actor_label)
