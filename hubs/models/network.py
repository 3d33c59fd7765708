"""The hub network: hubs at airports and the e-roads between them."""

import zoneinfo

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ewtp.common.models import BaseModel


class Hub(BaseModel):
    """An eWTP hub at an airport: the place where parcels are cleared and consolidated."""

    code = models.CharField(
        _("code"), max_length=3, unique=True, help_text=_("IATA code of the hub's airport")
    )
    name = models.CharField(_("name"), max_length=100)
    country = CountryField(_("country"))
    iata_code = models.CharField(_("IATA airport code"), max_length=3, unique=True)
    airport_name = models.CharField(_("airport"), max_length=150)
    currency = models.CharField(_("currency"), max_length=3)
    timezone = models.CharField(_("time zone"), max_length=64)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(name="hub_code_upper", condition=Q(code__regex=r"^[A-Z]{3}$")),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class ERoad(BaseModel):
    """A trade lane from one hub to another, served by consolidated flights."""

    origin = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="eroads_out")
    destination = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="eroads_in")
    transit_days = models.PositiveSmallIntegerField(_("transit days"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["origin__code", "destination__code"]
        verbose_name = _("e-road")
        constraints = [
            models.UniqueConstraint(fields=["origin", "destination"], name="eroad_once_per_pair"),
            models.CheckConstraint(
                name="eroad_not_circular", condition=~Q(origin=F("destination"))
            ),
            models.CheckConstraint(name="eroad_transit_positive", condition=Q(transit_days__gte=1)),
        ]

    def __str__(self):
        return f"{self.origin.code} → {self.destination.code}"
