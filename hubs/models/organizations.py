"""Organisations (every business on the hub), their members, invitations and KYC documents."""

import hashlib

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ewtp.common.models import BaseModel
from ewtp.common.states import StateMachine
from ewtp.common.validators import no_bidi_controls

from .network import Hub
from .users import User


class Organization(BaseModel, StateMachine):
    """A business on the hub. Every organisation can buy; only KYC-approved ones can sell."""

    class Sector(models.TextChoices):
        FASHION = "fashion", _("Fashion and textiles")
        FOOD = "food", _("Food and beverages")
        ELECTRONICS = "electronics", _("Electronics")
        BEAUTY = "beauty", _("Health and beauty")
        HOME = "home", _("Home and furniture")
        CRAFTS = "crafts", _("Handicrafts")
        INDUSTRIAL = "industrial", _("Industrial supplies")
        OTHER = "other", _("Other")

    class Size(models.TextChoices):
        # SME Corp. Malaysia definitions by annual sales / employees, declared at sign-up
        MICRO = "micro", _("Micro (under 5 employees)")
        SMALL = "small", _("Small (5 to 75 employees)")
        MEDIUM = "medium", _("Medium (75 to 200 employees)")
        LARGE = "large", _("Large (over 200 employees)")

    class KycStatus(models.TextChoices):
        DRAFT = "draft", _("Not yet submitted")  # collecting documents
        # in the MDEC officers' queue: the first time, or again after a change of identity
        SUBMITTED = "submitted", _("Waiting for review")
        MORE_INFO = "more_info", _("More information requested")  # back with the SME
        APPROVED = "approved", _("Approved")  # may sell
        REJECTED = "rejected", _("Rejected")  # may fix and submit again

    # the verification is the organisation's state machine (hubs.services.kyc.kyc_transition)
    STATE_FIELD = "kyc_status"
    TRANSITION_NAME = "kyc"
    TRANSITIONS = {
        KycStatus.DRAFT: {KycStatus.SUBMITTED},
        KycStatus.SUBMITTED: {KycStatus.APPROVED, KycStatus.REJECTED, KycStatus.MORE_INFO},
        KycStatus.MORE_INFO: {KycStatus.SUBMITTED},
        KycStatus.REJECTED: {KycStatus.SUBMITTED},
        # a change of legal name, country or registration number is verified again
        KycStatus.APPROVED: {KycStatus.SUBMITTED},
    }
    # the holds on a payout account (``payout_account_problem`` starts with the code and a
    # colon); any other code is the ISO 20022 reason a bank gave for rejecting a payout
    PAYOUT_HOLD_REVIEW = "REVIEW"  # the holder's name is not the legal name: an officer checks
    PAYOUT_HOLD_DECLINED = "DECLINED"  # an officer refused the account: the owners change it

    # names are shown to others (buyers, banks, officers): no text-direction tricks
    legal_name = models.CharField(_("legal name"), max_length=200, validators=[no_bidi_controls])
    country = CountryField(_("country"))
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    sector = models.CharField(
        _("sector"), max_length=20, choices=Sector.choices, default=Sector.OTHER
    )
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, default=Size.MICRO)
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    contact_name = models.CharField(
        _("contact person"), max_length=150, blank=True, validators=[no_bidi_controls]
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    home_hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="organizations")
    payout_bic = models.CharField(_("bank SWIFT/BIC"), max_length=11, blank=True)
    payout_account_name = models.CharField(
        _("account name"), max_length=140, blank=True, validators=[no_bidi_controls]
    )
    payout_account_number = models.CharField(_("account number"), max_length=34, blank=True)
    # set when a bank rejected a payout to this account (the reason), or while the account
    # is held (PAYOUT_HOLD_*); cleared by a change of the account or an officer's acceptance,
    # and no payout is requested meanwhile
    payout_account_problem = models.CharField(max_length=200, blank=True)
    # the legal name as an MDEC officer last approved it: a payout account must be held in it
    verified_legal_name = models.CharField(max_length=200, blank=True)
    kyc_status = models.CharField(
        _("verification"), max_length=10, choices=KycStatus.choices, default=KycStatus.DRAFT
    )
    kyc_reason = models.TextField(_("reviewer's note"), blank=True)
    kyc_decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                condition=~Q(registration_number=""),
                name="organization_registered_once",
            ),
        ]
        indexes = [
            # the officers' review queue
            models.Index(fields=["kyc_status", "updated_at"], name="organization_kyc_queue_idx"),
        ]

    def __str__(self):
        return self.legal_name

    @property
    def can_sell(self) -> bool:
        return self.kyc_status == self.KycStatus.APPROVED

    @property
    def payout_account_hold(self) -> str:
        """Why payouts to the account wait: "review", "declined", "bank" (rejected), or ""."""
        code = self.payout_account_problem.partition(":")[0]
        if not self.payout_account_problem:
            return ""
        return {self.PAYOUT_HOLD_REVIEW: "review", self.PAYOUT_HOLD_DECLINED: "declined"}.get(
            code, "bank"
        )

    @property
    def identity_fingerprint(self) -> str:
        """What an officer sees before deciding (identity and payout account), in a few
        characters: a decision on a page shown before a change is refused."""
        seen = (
            self.legal_name,
            str(self.country),
            self.registration_number,
            self.payout_bic,
            self.payout_account_name,
            self.payout_account_number,
        )
        return hashlib.sha256("\x1f".join(seen).encode()).hexdigest()[:16]

    @property
    def payout_account_hold_note(self) -> str:
        """The hold's reason without its code."""
        return self.payout_account_problem.partition(":")[2].strip()

    @property
    def currency(self) -> str:
        """Sellers price and are settled in their home hub's currency."""
        return self.home_hub.currency


class Membership(BaseModel):
    """A user's seat in an organisation."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")  # manages the organisation, its members and payout account
        STAFF = "staff", _("Staff")  # works the catalogue, orders and shipments

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_once"),
            models.CheckConstraint(
                name="membership_role_known", condition=Q(role__in=["owner", "staff"])
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.role})"


class Invitation(BaseModel):
    """An owner's invitation to join the organisation, sent by e-mail with a one-time link.

    Only a hash of the token is stored: a database leak does not let anyone join.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.STAFF
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organization}"


def kyc_upload_path(document, filename):
    # The stored name never carries the uploader's file name (it may hold personal data).
    return f"kyc/{document.organization.public_id}/{document.public_id}{document.extension}"


class KycDocument(BaseModel):
    """A document supporting an organisation's verification (PDF, JPEG or PNG)."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("Certificate of registration")
        DIRECTOR_ID = "director_id", _("Identity document of a director or owner")
        BANK_STATEMENT = "bank_statement", _("Bank statement of the payout account")
        OTHER = "other", _("Other supporting document")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="kyc_documents"
    )
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to=kyc_upload_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.original_name})"

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )


class OrganizationClient(models.Model):
    """An API client that acts for one organisation (its own ERP or shop system)."""

    api_client = models.OneToOneField(
        "common.ApiClient", on_delete=models.CASCADE, related_name="organization_link"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_clients"
    )

    def __str__(self):
        return f"{self.api_client} for {self.organization}"
