"""What the hub charges for carrying an order on an e-road and insuring it on the way.

The rates live here, next to the e-roads they price, because an order is priced when it is
placed (hubs.services.orders) and hubs imports no layer above it (DESIGN.md: logistics sits
above hubs). Both are dated: the rate in force on the day of placement applies, and a new
tariff is a new row from its date on, never an edit of the old one.
"""

from datetime import date

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import BaseModel

from .network import ERoad, Hub


def in_force_on(on: date) -> Q:
    return Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gte=on))


class InForceQuerySet(models.QuerySet):
    def in_force(self, on: date):
        """The rows in force on ``on``, the latest first (a later tariff replaces an earlier
        one that was left open-ended)."""
        return self.filter(in_force_on(on)).order_by("-effective_from", "-id")


class DatedRate(BaseModel):
    """A rate in force from a date (to a date, or until a later one replaces it), with who
    publishes its figures and the instrument it is charged under."""

    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    # who publishes the figures (an official tariff, or the hub's own indicative ones)
    source = models.CharField(_("source"), max_length=200)
    # the instrument the charge is made under
    legal_source = models.CharField(_("legal source"), max_length=200)

    objects = InForceQuerySet.as_manager()

    class Meta:
        abstract = True


def dates_in_order(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        name=name,
        condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
    )


class ShippingRate(DatedRate):
    """The origin hub's price for carrying goods on one e-road: per chargeable kilogram, with
    a minimum charge per order, in the tariff's currency. Without a rate in force the
    platform charges nothing for carriage: the parties arrange the freight outside it, and
    the import declaration states no freight."""

    eroad = models.ForeignKey(ERoad, on_delete=models.PROTECT, related_name="shipping_rates")
    currency = models.CharField(_("currency"), max_length=3)
    per_kg = models.DecimalField(_("rate per kg"), max_digits=12, decimal_places=4)
    minimum = models.DecimalField(_("minimum charge"), max_digits=12, decimal_places=4, default=0)

    class Meta:
        ordering = ["eroad_id", "-effective_from"]
        verbose_name = _("shipping rate")
        constraints = [
            # the rate's look-up: an e-road's rates by date (this index serves it)
            models.UniqueConstraint(
                fields=["eroad", "effective_from"], name="shipping_rate_once_per_day"
            ),
            models.CheckConstraint(
                name="shipping_rate_not_negative", condition=Q(per_kg__gte=0) & Q(minimum__gte=0)
            ),
            dates_in_order("shipping_rate_dates_in_order"),
        ]

    def __str__(self):
        return f"{self.eroad_id}: {self.per_kg} {self.currency}/kg from {self.effective_from}"


class CargoInsuranceRate(DatedRate):
    """The premium of the cargo insurance a hub places on every consignment it carries: a
    percentage of the goods' value plus the freight (the insured value), in the currency of
    the order."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="insurance_rates")
    percent = models.DecimalField(
        _("premium percent"), max_digits=6, decimal_places=3, help_text=_("e.g. 0.500 for 0.5 %")
    )

    class Meta:
        ordering = ["hub_id", "-effective_from"]
        verbose_name = _("cargo insurance rate")
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "effective_from"], name="insurance_rate_once_per_day"
            ),
            models.CheckConstraint(
                name="insurance_percent_range", condition=Q(percent__gte=0) & Q(percent__lte=10)
            ),
            dates_in_order("insurance_rate_dates_in_order"),
        ]

    def __str__(self):
        return f"{self.hub_id}: {self.percent}% from {self.effective_from}"
