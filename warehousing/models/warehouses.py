"""Warehouses at the hubs and the places in them where stock lies."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import BaseModel


class Warehouse(BaseModel):
    """A warehouse at a hub. A bonded one holds goods under customs supervision with duty
    suspended: they leave it order by order as retail imports (warehousing/law.py)."""

    hub = models.ForeignKey("hubs.Hub", on_delete=models.PROTECT, related_name="warehouses")
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_bonded = models.BooleanField(_("bonded"), default=False)

    class SiteKind(models.TextChoices):
        # where China allows bonded retail imports (mode 1210): special customs supervision
        # areas and bonded logistics centres of type B (warehousing/law.py)
        ZONE = "zone", _("Comprehensive bonded zone")
        CENTRE_B = "centre_b", _("Bonded logistics centre (type B)")

    site_kind = models.CharField(
        _("kind of customs site"), max_length=10, choices=SiteKind.choices, blank=True
    )
    # the customs supervision site's code, which bulk entries and retail imports name
    customs_site_code = models.CharField(_("customs site code"), max_length=20, blank=True)
    # what the listing promises a consumer: delivered within these many days of release
    delivery_days_min = models.PositiveSmallIntegerField(default=1)
    delivery_days_max = models.PositiveSmallIntegerField(default=2)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["hub_id", "code"]
        constraints = [
            models.CheckConstraint(
                name="warehouse_delivery_days_ordered",
                condition=Q(delivery_days_min__lte=models.F("delivery_days_max")),
            ),
            # a bonded warehouse is a customs site of a kind that takes 1210 goods, with the
            # code that its entries and retail imports name
            models.CheckConstraint(
                name="warehouse_bonded_is_a_customs_site",
                condition=Q(is_bonded=False) | (~Q(site_kind="") & ~Q(customs_site_code="")),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Location(models.Model):
    """A bin, shelf or pallet place: stock is counted per location."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="locations")
    code = models.CharField(max_length=20)
    # where inbound goods are put before they are shelved, and returns before inspection
    is_receiving = models.BooleanField(default=False)

    class Meta:
        ordering = ["warehouse_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_once"),
        ]

    def __str__(self):
        return f"{self.warehouse.code}/{self.code}"
