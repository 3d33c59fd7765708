"""Each parcel's timeline, in the air-cargo status vocabulary (IATA Cargo-XML / ONE Record
status codes, logistics/data) plus the hub's own floor events."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackingEvent(models.Model):
    class Code(models.TextChoices):
        # IATA status codes
        BKD = "BKD", _("Booked for drop-off")
        RCS = "RCS", _("Received at the hub, ready for carriage")
        MAN = "MAN", _("Manifested on a flight")
        DEP = "DEP", _("Departed")
        ARR = "ARR", _("Arrived")
        RCF = "RCF", _("Received from the flight")
        CRC = "CRC", _("Reported to customs")
        CCD = "CCD", _("Cleared by customs")
        TGC = "TGC", _("Under customs control")
        NFD = "NFD", _("Out for delivery, consignee notified")
        DLV = "DLV", _("Delivered")
        OFLD = "DIS_OFLD", _("Offloaded from a flight")
        # the hub's floor (no IATA code): weighing, holds, returns, exceptions
        WGT = "WGT", _("Weighed")
        HLD = "HLD", _("Held at the hub")
        HRL = "HRL", _("Hold released")
        RTS = "RTS", _("Returned to sender")
        EXC = "EXC", _("Exception")

    # no index of their own: the timeline index starts with the parcel, and flights are never
    # deleted; fewer indexes keep a 100,000-parcel consolidation fast
    parcel = models.ForeignKey(
        "logistics.Parcel", on_delete=models.CASCADE, related_name="events", db_index=False
    )
    code = models.CharField(max_length=10, choices=Code.choices)
    occurred_at = models.DateTimeField()  # UTC; shown in the place's local time
    place = models.CharField(max_length=3, help_text="IATA code of the hub or airport")
    actor_label = models.CharField(max_length=254, blank=True)
    # No database constraint either: it is checked at commit for every event of a run, which
    # doubled a 100,000-parcel consolidation (bench/consolidation.py). The event is written
    # with the flight it came from, flights are never deleted, and PROTECT still guards
    # deletion through the ORM.
    flight = models.ForeignKey(
        "logistics.Flight",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # for the parties and officers only; the public page shows code, time and place
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["parcel", "occurred_at", "id"], name="tracking_timeline_idx")
        ]

    def __str__(self):
        return f"{self.parcel_id} {self.code} {self.place}"
