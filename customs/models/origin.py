"""Preferential origin under the ASEAN–China Free Trade Area: the exporter's declaration of
the origin of one product line, checked against the rules of origin, and the certificate of
origin (Form E) the issuing authority of the exporting party issues from it, which the
importing party's customs verify before granting the agreement's rate.

The law: the ACFTA Rules of Origin (Annex 3 to the Agreement on Trade in Goods of the
Framework Agreement on Comprehensive Economic Co-operation between ASEAN and the People's
Republic of China, as amended, including by the 2015 Upgrading Protocol), and their
Operational Certification Procedures (Attachment A to Annex 3): a Form E is issued by the
exporting party's government authority on the exporter's application and is valid for 12
months from the date of issue. customs/services/origin.py applies the rules."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine

from .tariff import PreferentialRate

ORIGIN_RULES = (
    "ACFTA Rules of Origin (Annex 3 to the ACFTA Agreement on Trade in Goods, as amended)"
)
CERTIFICATION_PROCEDURES = (
    "ACFTA Operational Certification Procedures (Attachment A to Annex 3, as amended)"
)
# The platform numbers what it issues E, the year of issue (2 digits), the issuing hub's
# country and a 6-digit sequence of that country and year (E25MY000001); the register also
# holds numbers as other issuing authorities print them (China's: E253000012345), so it
# asks only for an E and 6 to 19 capitals and digits.
CERTIFICATE_NUMBER_PATTERN = r"^E[0-9A-Z]{6,19}$"


class OriginDeclaration(BaseModel):
    """An exporter's declaration of the origin of one product line, for one consignee in one
    importing party, with the rule it claims and the numbers behind it, and the result of
    checking them against the rule (stored: the certificate is issued from what was
    checked, and the exporter reads why it failed)."""

    class Criterion(models.TextChoices):
        # ACFTA ROO Rule 2(a) with Rule 3: grown, born, mined, fished… in the exporting party
        WO = "WO", _("Wholly obtained or produced")
        # ACFTA ROO Rule 4: regional value content of at least 40 % of the FOB value
        RVC = "RVC", _("Regional value content (at least 40 %)")
        # product-specific rules: every non-originating material changes heading
        CTH = "CTH", _("Change in tariff heading")

    class Result(models.TextChoices):
        PASSED = "passed", _("Meets the rule of origin")
        FAILED = "failed", _("Does not meet the rule of origin")

    organization = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="origin_declarations"
    )
    # the hub in the country of origin whose customs officers issue the certificate
    hub = models.ForeignKey("hubs.Hub", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        "hubs.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hs_code = models.CharField(max_length=10)
    description = models.CharField(max_length=200)
    agreement = models.CharField(
        max_length=10,
        choices=PreferentialRate.Agreement.choices,
        default=PreferentialRate.Agreement.ACFTA,
    )
    origin_country = CountryField()
    importing_country = CountryField()
    importer_name = models.CharField(max_length=200)
    criterion = models.CharField(max_length=3, choices=Criterion.choices)
    # RVC: the goods' FOB value and the value of the non-originating materials in it (CIF at
    # import, or the earliest price paid for them in the exporting party), in one currency
    currency = models.CharField(max_length=3, blank=True)
    fob_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    non_originating_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    # CTH: the 4-digit headings of the non-originating materials, separated by spaces
    non_originating_headings = models.CharField(max_length=300, blank=True)
    # (FOB − VNM) ÷ FOB × 100, cut (not rounded) to 2 decimals so that it never shows more
    # than the goods have; the check compares the exact figure
    rvc_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    result = models.CharField(max_length=6, choices=Result.choices)
    reason = models.CharField(max_length=500)
    legal_source = models.CharField(max_length=300)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the exporter's list, newest first
            models.Index(fields=["organization", "-created_at"], name="origin_decl_org_idx"),
            # the issuing hub's queue: passed declarations waiting for a certificate
            models.Index(fields=["hub", "result", "created_at"], name="origin_decl_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="origin_decl_rvc_values",
                condition=~Q(criterion="RVC")
                | (Q(fob_value__gt=0) & Q(non_originating_value__gte=0)),
            ),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.hs_code} {self.criterion} {self.result}"

    @property
    def passed(self) -> bool:
        return self.result == self.Result.PASSED

    @property
    def headings(self) -> list[str]:
        return self.non_originating_headings.split()

    @property
    def form_e_criterion(self) -> str:
        """The origin criterion as box 8 of Form E prints it: "WO", "RVC 52%", "CTH" (the
        content in whole per cent, cut: 39.99 % is never printed as 40 %)."""
        if self.criterion == self.Criterion.RVC:
            return f"RVC {int(self.rvc_percent)}%"
        return self.criterion


class CertificateOfOrigin(StateMachine, BaseModel):
    """A Form E: issued by the customs officers of the exporter's hub (the platform's
    issuing authority), for the goods of one or more passed origin declarations of one
    exporter to one consignee. Verified at import against this register."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")  # valid from issue to valid_until
        # withdrawn by the issuing authority (issued in error, origin disproved): no claim
        # under it is accepted from then on
        REVOKED = "revoked", _("Revoked")

    TRANSITIONS = {
        Status.ISSUED: {Status.REVOKED},
        Status.REVOKED: set(),
    }

    number = models.CharField(max_length=20, unique=True)
    agreement = models.CharField(max_length=10, choices=PreferentialRate.Agreement.choices)
    hub = models.ForeignKey("hubs.Hub", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    issued_on = models.DateField()  # the date printed on the certificate
    valid_until = models.DateField()  # the last day a claim under it is accepted
    exporter = models.ForeignKey(
        "hubs.Organization", on_delete=models.PROTECT, related_name="certificates_of_origin"
    )
    exporter_name = models.CharField(max_length=200)  # as printed, at issue
    importer_name = models.CharField(max_length=200)
    importing_country = CountryField()
    origin_country = CountryField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ISSUED)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=500, blank=True)
    legal_source = models.CharField(max_length=300)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            # the issuing hub's register, newest first
            models.Index(fields=["hub", "-issued_at"], name="certificate_hub_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="certificate_number_format",
                condition=Q(number__regex=CERTIFICATE_NUMBER_PATTERN),
            ),
            models.CheckConstraint(
                name="certificate_valid_after_issue",
                condition=Q(valid_until__gte=models.F("issued_on")),
            ),
        ]

    def __str__(self):
        return self.number


class CertificateLine(models.Model):
    """One line of goods on a certificate (boxes 5 to 9 of Form E), from one origin
    declaration: a declaration is certified once (the unique constraint makes two
    issues at once impossible)."""

    certificate = models.ForeignKey(
        CertificateOfOrigin, on_delete=models.CASCADE, related_name="lines"
    )
    line_no = models.PositiveSmallIntegerField()
    origin_declaration = models.OneToOneField(
        OriginDeclaration, on_delete=models.PROTECT, related_name="certificate_line"
    )
    hs_code = models.CharField(max_length=10)
    description = models.CharField(max_length=200)
    origin_criterion = models.CharField(max_length=10)  # "WO", "RVC 52%", "CTH"
    # printed where the criterion is RVC (the Form E of the upgraded ACFTA asks for it)
    fob_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["certificate_id", "line_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "line_no"], name="certificate_line_once"
            ),
        ]

    def __str__(self):
        return f"{self.certificate_id}/{self.line_no} {self.hs_code}"
