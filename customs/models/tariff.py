"""The tariff as dated data: every rate and threshold has an effective-from date and names its
legal source, so a declaration is assessed with what was in force on its date."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class TariffLine(models.Model):
    """One country's import treatment of an HS code (6 to 10 digits; the longest match wins)."""

    class SpecificUnit(models.TextChoices):
        KG = "kg", _("per kg net")
        UNIT = "unit", _("per unit")

    country = CountryField()
    hs_code = models.CharField(max_length=10)
    description = models.CharField(max_length=200)
    effective_from = models.DateField()
    legal_source = models.CharField(max_length=200)
    duty_percent = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    # a specific duty: an amount in the country's currency per kg or per unit, on top
    duty_specific = models.DecimalField(max_digits=10, decimal_places=4, default=0)
    duty_specific_unit = models.CharField(
        max_length=4, choices=SpecificUnit.choices, default=SpecificUnit.KG
    )
    # Malaysia: sales tax (10, 5 or exempt = 0); China: import VAT (13 or 9)
    sales_tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    # China: consumption tax (cosmetics, jewellery, alcohol…)
    excise_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    prohibited = models.BooleanField(default=False)
    permit_required = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["country", "hs_code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "hs_code", "effective_from"], name="tariff_line_once_per_date"
            ),
            models.CheckConstraint(
                name="tariff_hs_digits", condition=Q(hs_code__regex=r"^[0-9]{6,10}$")
            ),
        ]

    def __str__(self):
        return f"{self.country} {self.hs_code} from {self.effective_from}"


class PreferentialRate(models.Model):
    """A lower duty under a trade agreement, claimed with a certificate of origin."""

    class Agreement(models.TextChoices):
        ACFTA = "ACFTA", _("ASEAN–China Free Trade Area (Form E)")

    country = CountryField(help_text="The importing country")
    hs_code = models.CharField(max_length=10)
    agreement = models.CharField(max_length=10, choices=Agreement.choices)
    origin_countries = models.CharField(
        max_length=200, help_text="ISO codes of the partner countries whose goods qualify"
    )
    duty_percent = models.DecimalField(max_digits=6, decimal_places=2)
    effective_from = models.DateField()
    legal_source = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country", "hs_code", "agreement", "effective_from"],
                name="preferential_rate_once_per_date",
            ),
        ]

    def __str__(self):
        return f"{self.agreement} {self.country} {self.hs_code} {self.duty_percent}%"


class RegimeParameter(models.Model):
    """A threshold or rate of a customs regime (the RM500 low-value goods ceiling, China's
    RMB 5,000 per transaction…), dated and sourced like the tariff."""

    country = CountryField()
    name = models.CharField(max_length=40)
    value = models.CharField(
        max_length=200, help_text="A number, or HS prefixes separated by spaces"
    )
    effective_from = models.DateField()
    legal_source = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country", "name", "effective_from"], name="regime_parameter_once_per_date"
            ),
        ]

    def __str__(self):
        return f"{self.country} {self.name} = {self.value} from {self.effective_from}"


class CbecAnnualTotal(models.Model):
    """What a consumer has bought under China's cross-border retail import limits this year,
    keyed by a hash of the resident ID (the ID itself stays on the order)."""

    buyer_key = models.CharField(max_length=64)
    year = models.PositiveSmallIntegerField()
    total_minor = models.BigIntegerField(default=0)  # fen

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["buyer_key", "year"], name="cbec_total_once_per_year"),
        ]

    def __str__(self):
        return f"{self.buyer_key[:8]}… {self.year}: {self.total_minor}"
