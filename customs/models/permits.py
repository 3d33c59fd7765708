"""Permits of other agencies: goods whose tariff line names a permit or licence (a SIRIM
certificate of approval, an NPRA notification, a MAQIS import permit…) are released only
against a valid permit of the declarant that covers them, and each release draws the permit
down by the goods' quantity or value.

The law: in Malaysia, the Customs Act 1967, s. 31, with the Customs (Prohibition of Imports)
Order 2023 and the Customs (Prohibition of Exports) Order 2023 (goods in their schedules
cross the border only under a licence or permit of the agency named there); in China, the
Regulations of the People's Republic of China on the Administration of the Import and Export
of Goods (2001). Which agency issues what is read from the tariff's words (PERMIT_AGENCIES:
indicative)."""

import re

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from ewtp.common.models import BaseModel

from .tariff import HS_CODE_PATTERN

PERMIT_LAW = {
    "MY": "Customs Act 1967 (Malaysia), s. 31; Customs (Prohibition of Imports) Order 2023; "
    "Customs (Prohibition of Exports) Order 2023",
    "CN": "Regulations of the People's Republic of China on the Administration of the Import "
    "and Export of Goods (2001)",
}


class Agency(models.TextChoices):
    # Malaysia
    SIRIM = "SIRIM", _("SIRIM QAS International (certificates of approval)")
    NPRA = "NPRA", _("National Pharmaceutical Regulatory Agency (NPRA)")
    MAQIS = "MAQIS", _("Malaysian Quarantine and Inspection Services (MAQIS)")
    DVS = "DVS", _("Department of Veterinary Services (DVS)")
    KPKM = "KPKM", _("Ministry of Agriculture and Food Security (padi and rice)")
    PDRM = "PDRM", _("Royal Malaysia Police (arms and explosives)")
    # China
    GACC = "GACC", _("General Administration of Customs of China (entry quarantine)")
    NMPA = "NMPA", _("National Medical Products Administration (NMPA)")
    CNCA = "CNCA", _("Certification and Accreditation Administration (CCC)")
    MIIT = "MIIT", _("Ministry of Industry and Information Technology (MIIT)")
    MPS = "MPS", _("Ministry of Public Security (firearms)")
    # a permit the tariff names in words none of the above matches
    OTHER = "OTHER", _("Another authority, as the tariff names it")


# The agency that issues the permit a tariff line names, read from its words (indicative:
# the schedules name permits as text). The earliest match in the text wins: "DVS import
# permit and MAQIS inspection" is a DVS permit, MAQIS inspecting at the border.
PERMIT_AGENCIES = [
    (r"\bSIRIM\b", Agency.SIRIM),
    (r"\bNPRA\b", Agency.NPRA),
    (r"\bMAQIS\b", Agency.MAQIS),
    (r"\bDVS\b", Agency.DVS),
    (r"\bPadi and Rice\b", Agency.KPKM),
    (r"\b(Arms|Explosives) Act\b", Agency.PDRM),
    (r"\bGACC\b", Agency.GACC),
    (r"\bNMPA\b", Agency.NMPA),
    (r"\bCCC\b", Agency.CNCA),
    (r"\bcivil explosives\b", Agency.MIIT),
    (r"\bFirearms Control Law\b", Agency.MPS),
]


def permit_agency(permit_required: str) -> str:
    """The agency of the permit a tariff line requires (Agency.OTHER when its words name
    none we know)."""
    found = [
        (match.start(), agency)
        for pattern, agency in PERMIT_AGENCIES
        if (match := re.search(pattern, permit_required, re.IGNORECASE))
    ]
    return min(found)[1] if found else Agency.OTHER


class Permit(BaseModel):
    """One permit or licence an agency issued to an organisation, for goods crossing one
    country's customs: what it covers (an HS prefix and the goods in words), how much (a
    quantity or a value), when, and how much of it is left."""

    class Direction(models.TextChoices):
        IMPORT = "import", pgettext_lazy("direction of goods", "Import")
        EXPORT = "export", pgettext_lazy("direction of goods", "Export")

    class Measure(models.TextChoices):
        # a declared item's quantity, its net weight, or its value
        UNITS = "units", _("units")
        KG = "kg", _("kg net")
        VALUE = "value", _("value")

    agency = models.CharField(max_length=8, choices=Agency.choices)
    number = models.CharField(max_length=40)
    holder = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="customs_permits"
    )
    country = CountryField(help_text="The country whose customs it is presented to")
    direction = models.CharField(max_length=6, choices=Direction.choices)
    hs_prefix = models.CharField(max_length=10)
    goods = models.CharField(max_length=200)
    measure = models.CharField(max_length=5, choices=Measure.choices)
    currency = models.CharField(max_length=3, blank=True)  # a value's (ISO 4217)
    amount = models.DecimalField(max_digits=16, decimal_places=3)
    # what is left: the amount less what releases drew, plus what was given back
    # (PermitDrawdown keeps every movement; a test checks the two agree)
    balance = models.DecimalField(max_digits=16, decimal_places=3)
    valid_from = models.DateField()
    valid_until = models.DateField()
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_by_label = models.CharField(max_length=254)

    class Meta:
        ordering = ["valid_until", "id"]
        indexes = [
            # the release check: a holder's permits of an agency, in one country
            models.Index(fields=["holder", "country", "agency"], name="permit_of_holder_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="permit_number_per_agency"),
            models.CheckConstraint(
                name="permit_hs_prefix_digits", condition=Q(hs_prefix__regex=HS_CODE_PATTERN)
            ),
            models.CheckConstraint(name="permit_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="permit_balance_within_amount",
                condition=Q(balance__gte=0) & Q(balance__lte=F("amount")),
            ),
            models.CheckConstraint(
                name="permit_dates_in_order", condition=Q(valid_until__gte=F("valid_from"))
            ),
            models.CheckConstraint(
                name="permit_currency_of_a_value",
                condition=Q(measure="value", currency__regex=r"^[A-Z]{3}$")
                | (~Q(measure="value") & Q(currency="")),
            ),
        ]

    def __str__(self):
        return f"{self.agency} {self.number}"

    @property
    def unit(self) -> str:
        """What the amount and the balance count: a currency, units or kg."""
        return self.currency if self.measure == self.Measure.VALUE else self.get_measure_display()


class PermitDrawdown(models.Model):
    """One movement of a permit's balance, append-only: a release drew it down by a declared
    item's quantity or value, or a cancelled or rejected declaration gave it back. At most
    one of each per item: a release run again or retried cannot draw twice."""

    class Kind(models.TextChoices):
        DRAWN = "drawn", _("Drawn at release")
        GIVEN_BACK = "given_back", _("Given back")

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="drawdowns")
    declaration = models.ForeignKey(
        "customs.Declaration", on_delete=models.PROTECT, related_name="permit_drawdowns"
    )
    item = models.ForeignKey(
        "customs.DeclarationItem", on_delete=models.PROTECT, related_name="permit_drawdowns"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=3)
    balance_after = models.DecimalField(max_digits=16, decimal_places=3)
    actor_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "kind"], name="permit_drawn_once_per_item"),
            models.CheckConstraint(
                name="permit_drawdown_amount_positive", condition=Q(amount__gt=0)
            ),
        ]

    def __str__(self):
        return f"{self.permit_id} {self.kind} {self.amount} for item {self.item_id}"
