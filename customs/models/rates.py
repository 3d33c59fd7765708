"""The customs exchange rates: what a country's customs applies to convert a declared value
into its own currency on a date (Malaysia publishes them weekly, China monthly; the hub
derives them from the reference rates it receives, and records which)."""

from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField


class CustomsExchangeRate(models.Model):
    country = CountryField()
    currency = models.CharField(max_length=3)
    # units of the country's customs currency per 1 unit of ``currency``
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    valid_from = models.DateField()
    source = models.CharField(max_length=50)

    class Meta:
        ordering = ["country", "currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "currency", "valid_from"], name="customs_rate_once_per_day"
            ),
            models.CheckConstraint(name="customs_rate_positive", condition=Q(rate__gt=0)),
        ]

    def __str__(self):
        return f"{self.country} 1 {self.currency} = {self.rate} from {self.valid_from}"
