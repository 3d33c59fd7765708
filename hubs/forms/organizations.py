"""Forms of onboarding: sign-up, profile and payout account, invitations, KYC."""

import re

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ewtp.common.validators import no_bidi_controls

from ..errors import HubsErrorCode
from ..models import Hub, KycDocument, Membership, Organization, User
from ..selectors import hub_in_country
from ..services.organizations import IDENTITY_FIELDS, PAYOUT_FIELDS, PROFILE_FIELDS
from ..validators import account_number_clean, bic_clean, registration_number_clean


class PayoutCleaning:
    def clean_payout_bic(self):
        return bic_clean(self.cleaned_data["payout_bic"])

    def clean_payout_account_number(self):
        return account_number_clean(self.cleaned_data["payout_account_number"])


class SignUpForm(PayoutCleaning, forms.ModelForm):
    """A business and its first owner, in one page."""

    owner_name = forms.CharField(
        label=_("Your full name"), max_length=150, validators=[no_bidi_controls]
    )
    owner_email = forms.EmailField(label=_("Your e-mail address (you sign in with it)"))
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        help_text=_("At least 10 characters, not only digits."),
    )
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    class Meta:
        model = Organization
        fields = [
            "legal_name",
            "country",
            "registration_number",
            *PROFILE_FIELDS[1:],
            "home_hub",
            *PAYOUT_FIELDS,
        ]
        help_texts = {
            "registration_number": _(
                "Malaysia: SSM number (e.g. 201901012345 or 123456-X). "
                "China: 18-character unified social credit code."
            ),
            "payout_bic": _("The SWIFT/BIC code of your bank, e.g. MBBEMYKL."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_hub"].queryset = Hub.objects.order_by("code")
        # left empty, the hub of the organisation's country (clean): a Malaysian company
        # must not find itself in Hangzhou because H comes before K
        self.fields["home_hub"].required = False
        self.fields["home_hub"].empty_label = _("The hub in your country")
        self.fields["home_hub"].help_text = _(
            "Where you drop off your parcels and where customs clears your exports."
        )
        for name in [
            "address_line",
            "city",
            "contact_name",
            "contact_email",
            "contact_phone",
            "payout_bic",
            "payout_account_name",
            "payout_account_number",
        ]:
            self.fields[name].required = True

    def clean_registration_number(self):
        country = self.cleaned_data.get("country")
        if not country:
            return self.cleaned_data["registration_number"]
        number = registration_number_clean(str(country), self.cleaned_data["registration_number"])
        if Organization.objects.filter(country=country, registration_number=number).exists():
            raise ValidationError(
                _("An organisation with this registration number is already on the hub."),
                code=HubsErrorCode.ORGANIZATION_EXISTS,
            )
        return number

    def clean_owner_email(self):
        email = self.cleaned_data["owner_email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _("An account with this address exists: sign in instead."),
                code=HubsErrorCode.EMAIL_TAKEN,
            )
        return email

    def _home_hub_check(self, cleaned) -> None:
        country, hub = cleaned.get("country"), cleaned.get("home_hub")
        if not country:
            return
        if hub is None:
            hub = hub_in_country(country)
            if hub is None:
                self.add_error("country", _("The hub has no airport hub in this country yet."))
                return
            cleaned["home_hub"] = hub
        elif str(hub.country) != str(country):
            self.add_error(
                "home_hub",
                _("Choose a hub in your own country: you drop off your parcels there."),
            )

    def clean(self):
        cleaned = super().clean()
        self._home_hub_check(cleaned)
        user = User(email=cleaned.get("owner_email", ""), full_name=cleaned.get("owner_name", ""))
        _passwords_check(self, cleaned, user)
        return cleaned


class OrganizationForm(PayoutCleaning, forms.ModelForm):
    """What an owner may change: the profile, the identity and the payout account."""

    class Meta:
        model = Organization
        fields = [*PROFILE_FIELDS[:1], *IDENTITY_FIELDS[1:], *PROFILE_FIELDS[1:], *PAYOUT_FIELDS]

    def clean_registration_number(self):
        raw = self.cleaned_data["registration_number"]
        country = self.cleaned_data.get("country")
        if not country:
            return raw
        instance = self.instance
        unchanged = (
            str(country) == str(instance.country)
            and re.sub(r"\s+", "", raw).upper() == instance.registration_number.upper()
        )
        if unchanged:
            return instance.registration_number  # kept as it was checked when declared
        number = registration_number_clean(str(country), raw)
        taken = Organization.objects.filter(country=country, registration_number=number)
        if taken.exclude(pk=instance.pk).exists():
            raise ValidationError(
                _("An organisation with this registration number is already on the hub."),
                code=HubsErrorCode.ORGANIZATION_EXISTS,
            )
        return number


class OrganizationEditForm(OrganizationForm):
    """The owners' form: a change of identity of a verified organisation is confirmed first,
    because it sends the organisation back to review."""

    acknowledge_review = forms.BooleanField(
        label=_(
            "I understand that a new legal name, country or registration number sends the "
            "organisation back to review, and that it does not sell until an MDEC officer "
            "approves it again."
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.reopens_review:
            del self.fields["acknowledge_review"]

    @property
    def reopens_review(self) -> bool:
        verified = (Organization.KycStatus.APPROVED, Organization.KycStatus.SUBMITTED)
        return self.instance.kyc_status in verified

    def clean(self):
        cleaned = super().clean()
        identity_changed = set(self.changed_data) & set(IDENTITY_FIELDS)
        if identity_changed and self.reopens_review and not cleaned.get("acknowledge_review"):
            self.add_error(
                "acknowledge_review",
                _("Confirm that the organisation goes back to review, or keep its identity."),
            )
        return cleaned


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial="staff")


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your full name"), max_length=150, validators=[no_bidi_controls]
    )
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        _passwords_check(
            self, cleaned, User(email=self.email, full_name=cleaned.get("full_name", ""))
        )
        return cleaned


class KycUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=KycDocument.Kind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class KycDecisionForm(forms.Form):
    REFUSALS = {"more_info", "reject"}  # the decisions that send the file back
    DECISIONS = [
        ("approve", _("Approve")),
        ("more_info", _("Ask for more information")),
        ("reject", _("Reject")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    # the organisation as the page showed it (Organization.identity_fingerprint)
    seen = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    reason = forms.CharField(
        label=_("Reason (the organisation reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def clean(self):
        cleaned = super().clean()
        _reason_check(self, cleaned, decision="decision", reason="reason", against=self.REFUSALS)
        return cleaned


class PayoutAccountDecisionForm(forms.Form):
    """An officer's check of a payout account held because of its holder's name."""

    DECISIONS = [
        ("accept", _("Accept: the account is the organisation's own")),
        ("decline", _("Decline: the owners must enter another account")),
    ]
    payout_decision = forms.ChoiceField(
        label=_("Payout account"), choices=DECISIONS, widget=forms.RadioSelect
    )
    payout_seen = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    payout_reason = forms.CharField(
        label=_("Reason (the organisation reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=150,
    )

    def clean(self):
        cleaned = super().clean()
        _reason_check(
            self, cleaned, decision="payout_decision", reason="payout_reason", against={"decline"}
        )
        return cleaned


def _passwords_check(form, cleaned: dict, user: User) -> None:
    """The new password, typed twice, against the password rules (which compare it with the
    person's name and e-mail address)."""
    first, second = cleaned.get("password1"), cleaned.get("password2")
    if first and second and first != second:
        form.add_error("password2", _("The two passwords differ."))
    elif first:
        try:
            validate_password(first, user)
        except ValidationError as error:
            form.add_error("password1", error)


def _reason_check(form, cleaned: dict, *, decision: str, reason: str, against: set) -> None:
    """An officer's decision against the organisation gives its reason: the owners read it."""
    if cleaned.get(decision) in against and not cleaned.get(reason, "").strip():
        form.add_error(reason, _("Give the reason: the organisation will read it."))
