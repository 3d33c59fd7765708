"""Inbound shipments: a seller's advance shipping notice, and what was counted in against it."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine

from .warehouses import Location, Warehouse


def inbound_reference() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "IN-" + "".join(secrets.choice(alphabet) for _ in range(8))


class InboundShipment(BaseModel, StateMachine):
    class Status(models.TextChoices):
        # the seller's notice: what is coming
        BOOKED = "booked", pgettext_lazy("inbound shipment status", "Booked")
        ARRIVED = "arrived", _("Arrived")  # at the dock (bonded: under its bulk entry)
        RECEIVED = "received", _("Received")  # counted in; stock and ledger written
        CANCELLED = "cancelled", _("Cancelled")  # by the seller, before arrival

    TRANSITIONS = {
        Status.BOOKED: {Status.ARRIVED, Status.CANCELLED},
        Status.ARRIVED: {Status.RECEIVED},
        Status.RECEIVED: set(),
        Status.CANCELLED: set(),
    }

    reference = models.CharField(max_length=12, unique=True, default=inbound_reference)
    seller = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="inbound_shipments"
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="inbound")
    expected_on = models.DateField(_("expected on"))
    carrier_reference = models.CharField(
        _("carrier's reference"),
        max_length=40,
        blank=True,
        help_text=_("The master air waybill or the container number."),
    )
    # bonded: the bulk entry declaration the goods came in under (duty suspended)
    entry_declaration = models.CharField(_("entry declaration"), max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    arrived_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        "hubs.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booked_by = models.ForeignKey(
        "hubs.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["seller", "-created_at"], name="inbound_of_seller_idx"),
            models.Index(fields=["warehouse", "status"], name="inbound_at_warehouse_idx"),
        ]

    def __str__(self):
        return self.reference

    @property
    def discrepancy_count(self) -> int:
        return sum(1 for line in self.lines.all() if line.has_discrepancy)


class InboundLine(models.Model):
    """One SKU and lot of a notice, and what the count found."""

    shipment = models.ForeignKey(InboundShipment, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    product = models.ForeignKey("hubs.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(_("lot"), max_length=40, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    quantity_expected = models.PositiveIntegerField(_("quantity expected"))
    # the count: good units put away, damaged units set aside (not in stock)
    quantity_received = models.PositiveIntegerField(null=True, blank=True)
    quantity_damaged = models.PositiveIntegerField(default=0)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["shipment_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line_no"], name="inbound_line_once"),
            models.UniqueConstraint(
                fields=["shipment", "product", "lot"], name="inbound_line_sku_lot_once"
            ),
            models.CheckConstraint(
                name="inbound_line_expected_positive", condition=Q(quantity_expected__gt=0)
            ),
        ]

    def __str__(self):
        return f"{self.shipment} #{self.line_no}"

    @property
    def has_discrepancy(self) -> bool:
        return self.quantity_received is not None and (
            self.quantity_received != self.quantity_expected or self.quantity_damaged > 0
        )

    @property
    def difference(self) -> int:
        """Good units counted less the units announced (negative: short)."""
        return (self.quantity_received or 0) - self.quantity_expected
