"""The tariff as dated data: every rate and threshold has an effective-from date and names its
legal source, so a declaration is assessed with what was in force on its date.

Tariff lines and preferential rates come in schedules (TariffSchedule): one version of a
country's schedule as loaded from one file (customs/data/SOURCE.md describes the format).
A file loaded again under the same edition is the edition's next version; it replaces the
previous version from its own effective date. Lines are never edited in place: a declaration
keeps the line it was assessed under (DeclarationItem.tariff_line)."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

# A national line has 6 to 10 digits; a 2-digit (chapter) or 4-digit (heading) line is a rate
# for every subheading under it that has no longer line of its own.
HS_CODE_PATTERN = r"^([0-9]{2}|[0-9]{4}|[0-9]{6,10})$"


def in_force_on(on: date) -> Q:
    """Rows (lines, preferential rates) in force on ``on``: within their own dates, in a
    schedule version not replaced by then."""
    return (
        Q(effective_from__lte=on)
        & (Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        & (Q(schedule__effective_to__isnull=True) | Q(schedule__effective_to__gte=on))
    )


class InForceQuerySet(models.QuerySet):
    def in_force(self, on: date):
        return self.filter(in_force_on(on))


class TariffSchedule(models.Model):
    """One version of one country's schedule (the whole book, some chapters, or a few lines),
    with the file it was loaded from (its SHA-256) and who loaded it when."""

    country = CountryField()
    edition = models.CharField(
        max_length=100,
        help_text="The schedule's name (e.g. PDK 2022); a new file under it is a new version",
    )
    version = models.PositiveIntegerField()
    legal_source = models.CharField(max_length=200, help_text="The instrument it enacts")
    # rates modelled on an instrument for demonstration, not the official schedule: every
    # line says so in its legal source, and the coverage page counts them apart
    indicative = models.BooleanField(default=False)
    # the chapters the file claims to cover in full ("61 62", "all", or "" for none): the
    # load refused the file if a subheading of one of them had no line
    chapters = models.CharField(max_length=300, blank=True)
    effective_from = models.DateField(help_text="Its earliest line")
    # the day before the next version of the edition takes over (it may be earlier than
    # effective_from: a correction that replaces the version whole)
    effective_to = models.DateField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sha256 = models.CharField(max_length=64)
    line_count = models.PositiveIntegerField()
    # the load report's warnings, as [row, code, message] (the first WARNINGS_KEPT)
    warnings = models.JSONField(default=list, blank=True)
    warning_count = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    loaded_by_label = models.CharField(max_length=254)

    WARNINGS_KEPT = 200

    class Meta:
        ordering = ["country", "edition", "-version"]
        constraints = [
            # the same file under the same edition is the same schedule: loading it again
            # changes nothing, even when two loads race
            models.UniqueConstraint(
                fields=["country", "edition", "sha256"], name="tariff_schedule_file_once"
            ),
            # two different files loaded at once under one edition: one of them is refused
            models.UniqueConstraint(
                fields=["country", "edition", "version"], name="tariff_schedule_version_once"
            ),
        ]

    def __str__(self):
        return f"{self.country} {self.edition} v{self.version}"

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None


class TariffLine(models.Model):
    """One country's import treatment of an HS code: a national line of 6 to 10 digits, or a
    chapter (2) or heading (4) rate. The longest code that prefixes the goods' code wins."""

    class SpecificUnit(models.TextChoices):
        KG = "kg", _("per kg net")
        UNIT = "unit", _("per unit")

    schedule = models.ForeignKey(TariffSchedule, on_delete=models.PROTECT, related_name="lines")
    country = CountryField()  # the schedule's, kept on the line for the look-up's index
    hs_code = models.CharField(max_length=10)
    description = models.CharField(max_length=200)
    quantity_unit = models.CharField(max_length=10, blank=True, help_text="kg, u, l, m2…")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    legal_source = models.CharField(max_length=200)
    duty_percent = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    # a specific duty: an amount in the country's currency per kg or per unit, on top
    duty_specific = models.DecimalField(max_digits=10, decimal_places=4, default=0)
    duty_specific_unit = models.CharField(
        max_length=4, choices=SpecificUnit.choices, default=SpecificUnit.KG
    )
    # Malaysia: sales tax (10, 5 or exempt = 0); China: import VAT (13 or 9)
    sales_tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    # China: consumption tax (cosmetics, jewellery, alcohol…); Malaysia: excise duty, ad
    # valorem on CIF plus import duty
    excise_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    # Malaysia: a specific excise duty per kg or per unit (a stick, a bottle), on top
    excise_specific = models.DecimalField(max_digits=10, decimal_places=4, default=0)
    excise_specific_unit = models.CharField(
        max_length=4, choices=SpecificUnit.choices, default=SpecificUnit.KG
    )
    prohibited = models.BooleanField(default=False)
    permit_required = models.CharField(max_length=200, blank=True)

    objects = InForceQuerySet.as_manager()

    class Meta:
        ordering = ["country", "hs_code", "-effective_from"]
        indexes = [
            # the duty engine's look-up: a code and its prefixes in one country, by date
            models.Index(
                fields=["country", "hs_code", "effective_from"], name="tariff_line_lookup_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "hs_code", "effective_from"],
                name="tariff_line_once_per_schedule_and_date",
            ),
            models.CheckConstraint(
                name="tariff_hs_digits", condition=Q(hs_code__regex=HS_CODE_PATTERN)
            ),
            models.CheckConstraint(
                name="tariff_line_dates_in_order",
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
            ),
        ]

    def __str__(self):
        return f"{self.country} {self.hs_code} from {self.effective_from}"


class PreferentialRate(models.Model):
    """A lower duty under a trade agreement, claimed with a certificate of origin; it comes
    with the national line of its schedule and shares its dates."""

    class Agreement(models.TextChoices):
        ACFTA = "ACFTA", _("ASEAN–China Free Trade Area (Form E)")

    # whose goods qualify, by importing country ("*": any other party). Under ACFTA China
    # grants its rates to the ten ASEAN members' goods and each member to China's; between
    # ASEAN members the ASEAN Trade in Goods Agreement applies instead.
    PARTNERS = {
        Agreement.ACFTA: {"CN": "BN ID KH LA MM MY PH SG TH VN", "*": "CN"},
    }

    schedule = models.ForeignKey(
        TariffSchedule, on_delete=models.PROTECT, related_name="preferential_rates"
    )
    country = CountryField(help_text="The importing country")
    hs_code = models.CharField(max_length=10)
    agreement = models.CharField(max_length=10, choices=Agreement.choices)
    origin_countries = models.CharField(
        max_length=200, help_text="ISO codes of the partner countries whose goods qualify"
    )
    duty_percent = models.DecimalField(max_digits=6, decimal_places=2)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    legal_source = models.CharField(max_length=200)

    objects = InForceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "hs_code", "agreement", "effective_from"],
                name="preferential_rate_once_per_schedule_and_date",
            ),
        ]

    def __str__(self):
        return f"{self.agreement} {self.country} {self.hs_code} {self.duty_percent}%"

    @classmethod
    def partners_of(cls, agreement: str, country: str) -> str:
        partners = cls.PARTNERS[agreement]
        return partners.get(country, partners["*"])


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
