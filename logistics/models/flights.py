"""Carriers and the flights they fly on e-roads; capacity is guarded by the database too."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine


class Carrier(BaseModel):
    """An airline, with the three-digit prefix its air waybills carry (logistics/data)."""

    iata_code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=100)
    awb_prefix = models.CharField(max_length=3, unique=True)

    class Meta:
        ordering = ["iata_code"]
        constraints = [
            models.CheckConstraint(
                name="carrier_prefix_digits", condition=Q(awb_prefix__regex=r"^[0-9]{3}$")
            ),
        ]

    def __str__(self):
        return f"{self.iata_code} {self.name}"


class Flight(BaseModel, StateMachine):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DEPARTED = "departed", _("Departed")
        ARRIVED = "arrived", _("Arrived")
        CANCELLED = "cancelled", _("Cancelled")

    # departs and lands by the schedule (or a carrier feed); only a flight not yet gone is
    # cancelled. Its parcels move with it (logistics.services.moves.flight_transition).
    TRANSITIONS = {
        Status.SCHEDULED: {Status.DEPARTED, Status.CANCELLED},
        Status.DEPARTED: {Status.ARRIVED},
        Status.ARRIVED: set(),
        Status.CANCELLED: set(),
    }

    eroad = models.ForeignKey("hubs.ERoad", on_delete=models.PROTECT, related_name="flights")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="flights")
    number = models.CharField(_("flight number"), max_length=8)
    departs_at = models.DateTimeField(_("departs"))  # UTC; shown in the origin hub's time
    arrives_at = models.DateTimeField(_("arrives"))  # UTC; shown in the destination's time
    capacity_kg = models.DecimalField(_("capacity (kg)"), max_digits=9, decimal_places=3)
    capacity_pieces = models.PositiveIntegerField(_("capacity (pieces)"))
    loaded_kg = models.DecimalField(max_digits=9, decimal_places=3, default=0)
    loaded_pieces = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    status_reason = models.CharField(max_length=200, blank=True)
    # The consolidation's master air waybill: prefix + 8 digits (mod-7 check), one per flight.
    master_waybill = models.CharField(max_length=11, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["departs_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "number", "departs_at"], name="flight_once_per_departure"
            ),
            models.CheckConstraint(
                name="flight_arrives_after_departure", condition=Q(arrives_at__gt=F("departs_at"))
            ),
            # the last guard: no code path can load beyond what the aircraft takes
            models.CheckConstraint(
                name="flight_within_capacity",
                condition=Q(loaded_kg__lte=F("capacity_kg"))
                & Q(loaded_pieces__lte=F("capacity_pieces"))
                & Q(loaded_kg__gte=0),
            ),
        ]
        indexes = [
            models.Index(
                fields=["eroad", "status", "departs_at"], name="flight_eroad_departure_idx"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.departs_at:%Y-%m-%d %H:%M}Z"

    @property
    def master_waybill_display(self) -> str:
        number = self.master_waybill or ""
        return f"{number[:3]}-{number[3:]}" if number else ""

    @property
    def load_factor(self) -> float:
        return float(self.loaded_kg / self.capacity_kg) if self.capacity_kg else 0.0
