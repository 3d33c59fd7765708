from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.forms import validate_with_form
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.api.strict import StrictInputSerializer
from ewtp.common.validators import no_bidi_controls

from ..forms.catalogue import COUNTRY_CHOICES
from ..forms.organizations import OrganizationForm
from ..models import Organization
from ..services.organizations import organization_update
from .caller import IsOrganizationClient, caller_of


class OrganizationOutput(serializers.Serializer):
    class Meta:
        ref_name = "Organization"

    id = serializers.UUIDField(source="public_id")
    legal_name = serializers.CharField()
    country = serializers.CharField()
    registration_number = serializers.CharField()
    sector = serializers.CharField()
    size = serializers.CharField()
    address_line = serializers.CharField()
    city = serializers.CharField()
    postcode = serializers.CharField()
    contact_name = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    home_hub = serializers.CharField(source="home_hub.code")
    currency = serializers.CharField()
    kyc_status = serializers.CharField()
    can_sell = serializers.BooleanField()
    payout_bic = serializers.CharField()
    payout_account_name = serializers.CharField()
    payout_account_number_last4 = serializers.SerializerMethodField()
    payout_account_hold = serializers.CharField(
        help_text="Why payouts to the account wait: `review` (not in the verified legal "
        "name; an MDEC officer checks it), `declined` (an officer refused it), `bank` (a bank "
        "rejected a payout to it), or empty when it is in use."
    )

    def get_payout_account_number_last4(self, organization) -> str:
        return organization.payout_account_number[-4:]


def _text(max_length: int, **kwargs):
    return serializers.CharField(required=False, max_length=max_length, **kwargs)


def _name(max_length: int, **kwargs):
    return _text(max_length, validators=[no_bidi_controls], **kwargs)


class OrganizationUpdateInput(StrictInputSerializer):
    """The fields the portal's form takes (hubs.forms.organizations.OrganizationForm), with
    its rules stated for the schema."""

    class Meta:
        ref_name = "OrganizationUpdate"

    legal_name = _name(200)
    country = serializers.ChoiceField(
        choices=COUNTRY_CHOICES, required=False, help_text="ISO 3166-1 alpha-2"
    )
    registration_number = _text(
        50,
        help_text="Malaysia: the SSM number (201901012345 or 123456-X); China: the "
        "18-character unified social credit code, its check character right; elsewhere up "
        "to 50 characters. One organisation per number and country.",
    )
    sector = serializers.ChoiceField(choices=Organization.Sector.values, required=False)
    size = serializers.ChoiceField(choices=Organization.Size.values, required=False)
    address_line = _text(200, allow_blank=True)
    city = _text(100, allow_blank=True)
    postcode = _text(20, allow_blank=True)
    contact_name = _name(150, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    contact_phone = _text(30, allow_blank=True)
    payout_bic = serializers.RegexField(
        r"^[A-Za-z]{6}[A-Za-z0-9]{2}([A-Za-z0-9]{3})?$",
        required=False,
        help_text="SWIFT/BIC, 8 or 11 characters; characters 5-6 a country code.",
    )
    payout_account_name = _name(140)
    payout_account_number = serializers.RegexField(
        r"^[A-Za-z0-9]{5,34}$", required=False, help_text="5 to 34 letters or digits"
    )


class OrganizationApi(APIView):
    """The calling organisation's profile and payout account."""

    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"GET": ["organization:read"], "PATCH": ["organization:write"]}

    @extend_schema(
        operation_id="organization_get", responses=OrganizationOutput, tags=["organization"]
    )
    def get(self, request):
        return Response(OrganizationOutput(caller_of(request).organization).data)

    @extend_schema(
        operation_id="organization_update",
        description="Change the profile, the identity and the payout account. A new legal "
        "name, country or registration number of a verified organisation sends it back to "
        "review (`kyc_status` becomes `submitted`, `can_sell` false) until an MDEC officer "
        "approves it again; orders already placed go on. A payout account not held in the "
        "verified legal name is held for an officer's check (`payout_account_hold`).",
        request=OrganizationUpdateInput,
        responses=OrganizationOutput,
        tags=["organization"],
        examples=[
            OpenApiExample(
                "New payout account",
                value={
                    "payout_bic": "CIBBMYKL",
                    "payout_account_name": "Batik Nusantara Sdn. Bhd.",
                    "payout_account_number": "8001234567",
                },
            )
        ],
    )
    def patch(self, request):
        caller = caller_of(request)
        organization = caller.organization
        partial = OrganizationUpdateInput(data=request.data)
        partial.is_valid(raise_exception=True)
        current = {name: getattr(organization, name) for name in OrganizationForm.Meta.fields}
        form = OrganizationForm(data={**current, **partial.validated_data}, instance=organization)
        cleaned = validate_with_form(form)
        organization.refresh_from_db()
        organization = organization_update(
            organization=organization,
            actor=None,
            actor_label=caller.label,
            **{name: cleaned[name] for name in partial.validated_data},
        )
        return Response(OrganizationOutput(organization).data)
