"""Changes of stock that are not an entry or an exit: a cycle count's difference, damaged
or expired goods, their destruction. In a bonded warehouse a customs officer of the hub
approves each before the stock changes, the hub's policy under customs supervision
(warehousing.law.ADJUSTMENTS)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine

from .stock import StockLot


class Adjustment(BaseModel, StateMachine):
    class Kind(models.TextChoices):
        COUNT = "count", _("Cycle count difference")
        DAMAGED = "damaged", _("Damaged")
        EXPIRED = "expired", _("Expired")
        DESTROYED = "destroyed", _("Destroyed under customs supervision")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting an officer")
        APPROVED = "approved", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.REQUESTED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }

    stock_lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # signed change of on-hand units (a count that found fewer is negative)
    quantity = models.IntegerField()
    # a count: what the shelf held when counted, and what the books said then
    counted = models.PositiveIntegerField(null=True, blank=True)
    expected = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        "hubs.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        "hubs.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="adjustment_moves", condition=~Q(quantity=0)),
            # one adjustment of a lot waits for an officer at a time: a second count or a
            # double click cannot apply the same difference twice
            models.UniqueConstraint(
                fields=["stock_lot"],
                condition=Q(status="requested"),
                name="adjustment_one_waiting_per_lot",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="adjustment_queue_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity:+} ({self.get_status_display()})"

    @property
    def document(self) -> str:
        """How the bonded ledger names this approval."""
        return f"ADJ-{self.pk}"
