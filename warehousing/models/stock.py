"""Stock per SKU, lot and location, and the orders' claims on it."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine

from .warehouses import Location, Warehouse


class StockLot(models.Model):
    """The units of one product and lot at one location. ``reserved`` of them are claimed by
    orders not yet picked; the database refuses a row with more reserved than on hand, so a
    race can fail but never oversell."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock")
    product = models.ForeignKey("hubs.Product", on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey("hubs.Organization", on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(max_length=40, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    on_hand = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse_id", "product_id", "expires_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "product", "lot"], name="stock_lot_once_per_location"
            ),
            models.CheckConstraint(
                name="stock_lot_reserved_within_on_hand", condition=Q(reserved__lte=F("on_hand"))
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "product"], name="stock_of_product_idx"),
            models.Index(fields=["seller", "warehouse"], name="stock_of_seller_idx"),
        ]

    def __str__(self):
        return f"{self.location} {self.product_id} lot {self.lot or '-'}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Fulfilment(BaseModel, StateMachine):
    """An order served from a warehouse's stock: declared (bonded: a 1210 retail import),
    released, picked and packed under the domestic courier's waybill, delivered."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Stock reserved")  # at placement
        RELEASED = "released", _("Released by customs")  # written off: on the pick list
        PACKED = "packed", _("Picked and packed")  # off the shelf, waiting for the courier
        DISPATCHED = "dispatched", _("With the courier")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned to stock")
        CANCELLED = "cancelled", _("Cancelled")  # unpaid, refused or refunded: units back

    TRANSITIONS = {
        # stock that is not bonded needs no release: it is picked once the order is paid
        Status.RESERVED: {Status.RELEASED, Status.PACKED, Status.CANCELLED},
        Status.RELEASED: {Status.PACKED},
        Status.PACKED: {Status.DISPATCHED},
        # a parcel the courier could not deliver comes back as a delivered one's return does
        Status.DISPATCHED: {Status.DELIVERED, Status.RETURNED},
        Status.DELIVERED: {Status.RETURNED},
        Status.RETURNED: set(),
        Status.CANCELLED: set(),
    }

    order = models.OneToOneField("hubs.Order", on_delete=models.PROTECT, related_name="fulfilment")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="fulfilments")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RESERVED)
    # the waybill of the domestic delivery, allotted by the hub at placement (its own number
    # until a courier's system is connected): the retail import's three-record match names
    # it before the goods are picked
    waybill = models.CharField(max_length=20, unique=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_declaration = models.CharField(max_length=20, blank=True)
    packed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # the sales channel asked, for its consumer, to send the goods back (warehousing/law.py)
    return_requested_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["warehouse", "status"], name="fulfilment_queue_idx")]

    def __str__(self):
        return f"{self.waybill} ({self.get_status_display()})"


class Reservation(models.Model):
    """Units of one lot claimed by one order line."""

    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="claims")
    order_line = models.ForeignKey("hubs.OrderLine", on_delete=models.PROTECT, related_name="+")
    stock_lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="claims")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["fulfilment_id", "id"]
        constraints = [
            models.CheckConstraint(name="reservation_positive", condition=Q(quantity__gt=0)),
        ]

    def __str__(self):
        return f"{self.quantity} of {self.stock_lot_id} for {self.fulfilment_id}"


class FulfilmentEvent(models.Model):
    """What happened to an order's goods after release, as the warehouse and the courier
    scanned it. Append-only."""

    class Code(models.TextChoices):
        PICKED = "picked", _("Picked")
        PACKED = "packed", _("Packed")
        HANDED_OVER = "handed_over", _("Handed to the courier")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned to stock")

    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="events")
    code = models.CharField(max_length=20, choices=Code.choices)
    place = models.CharField(max_length=120, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["fulfilment_id", "at", "id"]

    def __str__(self):
        return f"{self.fulfilment_id} {self.code} {self.at:%Y-%m-%d %H:%M}"
