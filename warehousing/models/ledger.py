"""The bonded stock ledger: every unit that entered or left a bonded warehouse, and by which
document. Append-only; its sum per SKU is what customs holds the warehouse to."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .warehouses import Warehouse


class LedgerEntry(models.Model):
    class Movement(models.TextChoices):
        IN = "in", _("In (bulk entry)")
        RELEASED = "released", _("Released (retail import)")
        RETURNED = "returned", _("Returned")
        ADJUSTED = "adjusted", _("Adjusted (count)")
        DESTROYED = "destroyed", _("Destroyed or expired")

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="ledger")
    product = models.ForeignKey("hubs.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(max_length=40, blank=True)
    movement = models.CharField(max_length=10, choices=Movement.choices)
    # signed: units into the bonded area are positive, out of it negative
    quantity = models.IntegerField()
    # the document that moved them: the bulk entry, the retail import, the officer's approval
    document = models.CharField(max_length=40)
    order = models.ForeignKey(
        "hubs.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["warehouse_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(name="ledger_entry_moves", condition=~Q(quantity=0)),
        ]
        indexes = [
            models.Index(fields=["warehouse", "product", "created_at"], name="ledger_sku_idx"),
        ]

    def __str__(self):
        return f"{self.movement} {self.quantity:+} of {self.product_id} ({self.document})"
