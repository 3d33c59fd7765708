"""The eFulfilment centre and the parcels sellers hand in there."""

from datetime import datetime, time

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine


class Facility(BaseModel):
    """A hub's airport eFulfilment centre, where parcels are dropped off and consolidated,
    with the days and hours (in its hub's time) when it takes parcels in. A centre open
    round the clock every day has the defaults."""

    hub = models.OneToOneField("hubs.Hub", on_delete=models.PROTECT, related_name="facility")
    name = models.CharField(max_length=150)
    address = models.TextField()
    # ISO weekdays it takes parcels in, Monday 1 … Sunday 7 ("123456": Monday to Saturday)
    open_weekdays = models.CharField(
        _("days open"),
        max_length=7,
        default="1234567",
        validators=[RegexValidator(r"^[1-7]{1,7}$")],
    )
    opens_at = models.TimeField(_("opens"), default=time(0, 0))
    closes_at = models.TimeField(_("closes"), default=time(23, 59))

    class Meta:
        verbose_name_plural = "facilities"
        constraints = [
            models.CheckConstraint(
                name="facility_opens_before_it_closes", condition=Q(opens_at__lt=F("closes_at"))
            )
        ]

    def __str__(self):
        return self.name

    def takes_parcels_at(self, moment: datetime) -> bool:
        """Whether the centre is open at ``moment`` (any time zone), in its hub's time."""
        local = moment.astimezone(self.hub.zone)
        return (
            str(local.isoweekday()) in self.open_weekdays
            and self.opens_at <= local.time() <= self.closes_at
        )


class WaybillSequence(models.Model):
    """The next serial of a numbering series (house waybills per hub, masters per carrier),
    taken under a row lock so two parcels never share a number."""

    name = models.CharField(max_length=20, unique=True)
    next_value = models.PositiveBigIntegerField(default=1)

    def __str__(self):
        return f"{self.name} → {self.next_value}"


class Parcel(BaseModel, StateMachine):
    class Status(models.TextChoices):
        CREATED = "created", _("Label printed")
        BOOKED = "booked", _("Drop-off booked")
        RECEIVED = "received", _("Received at the hub")
        HELD = "held", _("Held at the hub")
        MANIFESTED = "manifested", _("Manifested on a flight")
        DEPARTED = "departed", _("Departed")
        ARRIVED = "arrived", _("Arrived, ready for import clearance")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned to sender")
        EXCEPTION = "exception", _("Exception")

    # before the hub has it, the seller may still change its mind
    BEFORE_HUB = (Status.CREATED, Status.BOOKED)
    # One parcel moves through logistics.services.moves.parcel_transition (the seller's
    # booking, the operators' scans); a batch moves in one statement with its flight
    # (.consolidation: manifested; .flights: departed, arrived, or offloaded back to received
    # when the flight is cancelled). What each move is called: moves.PARCEL_MOVES.
    TRANSITIONS = {
        Status.CREATED: {Status.BOOKED, Status.RECEIVED, Status.RETURNED},
        Status.BOOKED: {Status.RECEIVED, Status.RETURNED},
        Status.RECEIVED: {Status.HELD, Status.MANIFESTED, Status.RETURNED},
        Status.HELD: {Status.RECEIVED, Status.RETURNED},
        Status.MANIFESTED: {Status.DEPARTED, Status.RECEIVED},
        # lost or damaged (EXCEPTION) only after it left the origin floor
        Status.DEPARTED: {Status.ARRIVED, Status.EXCEPTION},
        Status.ARRIVED: {Status.OUT_FOR_DELIVERY, Status.EXCEPTION},
        Status.OUT_FOR_DELIVERY: {Status.DELIVERED, Status.EXCEPTION},
        Status.DELIVERED: set(),
        Status.RETURNED: set(),
        Status.EXCEPTION: set(),
    }

    # The house waybill is the parcel's public identifier, so no UUID; and no index on
    # created_at (parcels are listed per order or flight). A consolidation run rewrites
    # 100,000 parcel rows, and every index is one more write per row.
    public_id = None
    created_at = models.DateTimeField(auto_now_add=True)

    order = models.ForeignKey("hubs.Order", on_delete=models.PROTECT, related_name="parcels")
    # e-roads and facilities are never deleted and parcels are found by the consolidation's
    # partial index, so these keys have no index of their own (each costs every UPDATE)
    eroad = models.ForeignKey(
        "hubs.ERoad", on_delete=models.PROTECT, related_name="parcels", db_index=False
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="parcels", db_index=False
    )
    waybill = models.CharField(_("house waybill"), max_length=12, unique=True)
    declared_weight_kg = models.DecimalField(_("weight (kg)"), max_digits=8, decimal_places=3)
    length_cm = models.PositiveSmallIntegerField(_("length (cm)"))
    width_cm = models.PositiveSmallIntegerField(_("width (cm)"))
    height_cm = models.PositiveSmallIntegerField(_("height (cm)"))
    measured_weight_kg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    weight_flagged = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    drop_off_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    # set when customs releases the export declaration; only released parcels board
    export_released_at = models.DateTimeField(null=True, blank=True)
    flight = models.ForeignKey(
        "logistics.Flight", null=True, blank=True, on_delete=models.PROTECT, related_name="parcels"
    )
    hold_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="parcel_weight_positive", condition=Q(declared_weight_kg__gt=0)
            ),
        ]
        indexes = [
            # the consolidation run: released, received parcels of an e-road, oldest first
            models.Index(
                fields=["eroad", "received_at", "id"],
                name="parcel_ready_to_load_idx",
                condition=Q(
                    status="received", flight__isnull=True, export_released_at__isnull=False
                ),
            ),
        ]

    def __str__(self):
        return self.waybill

    @property
    def weight_kg(self):
        """What the parcel weighs for loading: measured when the hub has weighed it."""
        return self.measured_weight_kg or self.declared_weight_kg


class ParcelItem(models.Model):
    """Which order line, and how many of it, is in the parcel."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="items")
    order_line = models.ForeignKey("hubs.OrderLine", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parcel", "order_line"], name="parcel_item_once"),
            models.CheckConstraint(name="parcel_item_quantity", condition=Q(quantity__gte=1)),
        ]

    def __str__(self):
        return f"{self.parcel_id} × {self.quantity}"
