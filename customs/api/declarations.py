"""Declarations over the API: an organisation's own system (or its customs agent's) files,
submits, amends and cancels its declarations and reads their assessment and status; a sales
channel reads the declarations of its orders. Status changes arrive as the
`declaration.status` webhook."""

from decimal import Decimal

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.pagination import CursorPagination
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.api.strict import StrictInputSerializer, query_choice
from ewtp.common.errors import NotFoundError
from ewtp.common.idempotency import idempotent
from hubs.api.caller import IsChannelOrOrganizationClient, IsOrganizationClient, caller_of
from hubs.models import Hub

from .. import selectors
from ..errors import CustomsErrorCode
from ..models import Declaration
from ..services.duty import REGIMES
from ..services.filing import (
    MAX_VALUE,
    ItemRequest,
    declaration_amend,
    declaration_cancel,
    declaration_create,
    declaration_request_of_organization,
    declaration_submit,
    declarations_submit,
)
from .declaration_outputs import DeclarationOutput

HUB_CODE = r"^[A-Za-z]{3}$"
ORDER_REFERENCE = r"^EW-[0-9A-Z]{8}$"


class ItemInput(StrictInputSerializer):
    class Meta:
        ref_name = "DeclarationItemInput"

    hs_code = serializers.RegexField(
        r"^[0-9]{6,10}$", error_messages={"invalid": "The HS code is 6 to 10 digits."}
    )
    description = serializers.CharField(max_length=200)
    origin = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        help_text="ISO 3166-1 alpha-2",
        error_messages={"invalid": "Give the country of origin (ISO code)."},
    )
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    net_weight_kg = serializers.DecimalField(
        max_digits=10, decimal_places=3, min_value=Decimal("0.001"), max_value=100_000
    )
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_VALUE,
        help_text="In the declaration currency",
    )


def _items(data) -> list[ItemRequest]:
    return [
        ItemRequest(
            hs_code=item["hs_code"],
            description=item["description"],
            origin=item["origin"].upper(),
            quantity=item["quantity"],
            net_weight_kg=item["net_weight_kg"],
            value=item["value"],
        )
        for item in data
    ]


def money_amount(**kwargs):
    """Freight or insurance: 0 or more, in the declaration currency."""
    return serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=MAX_VALUE,
        default=Decimal(0),
        **kwargs,
    )


class DeclarationInput(StrictInputSerializer):
    class Meta:
        ref_name = "DeclarationInput"

    regime = serializers.ChoiceField(choices=list(REGIMES))
    hub = serializers.RegexField(
        HUB_CODE, help_text="IATA code of the hub declared at (404 if there is none)"
    )
    order = serializers.RegexField(
        ORDER_REFERENCE,
        required=False,
        help_text="Reference of one of your sales without a declaration, if any (404 if it "
        "is none of yours)",
    )
    importer = serializers.CharField(max_length=200)
    importer_id_reference = serializers.CharField(
        max_length=40, allow_blank=True, default="", help_text="CN CBEC: the buyer's resident ID"
    )
    declarant = serializers.CharField(
        max_length=200, required=False, help_text="Default: your organisation"
    )
    incoterm = serializers.ChoiceField(choices=Declaration.Incoterm.values, default="DAP")
    waybill = serializers.CharField(max_length=20, allow_blank=True, default="")
    currency = serializers.RegexField(r"^[A-Z]{3}$", help_text="ISO 4217 code of the values")
    freight = money_amount()
    insurance = money_amount()
    fta_agreement = serializers.ChoiceField(
        choices=["", "ACFTA"], default="", help_text="A claim needs `fta_certificate`."
    )
    fta_certificate = serializers.CharField(max_length=40, allow_blank=True, default="")
    sold_online_by_registered_seller = serializers.BooleanField(
        default=False,
        help_text="MY_IMPORT: sold online by your organisation as a registered seller of low "
        "value goods; refused unless its LVG registration is in force today",
    )
    air_courier = serializers.BooleanField(default=True)
    items = ItemInput(many=True, min_length=1, max_length=200)


class AmendInput(StrictInputSerializer):
    class Meta:
        ref_name = "DeclarationAmend"

    reason = serializers.CharField(max_length=500)
    items = ItemInput(many=True, min_length=1, max_length=200)


class ReasonInput(StrictInputSerializer):
    class Meta:
        ref_name = "DeclarationCancel"

    reason = serializers.CharField(max_length=500)


EXAMPLE = OpenApiExample(
    "A Malaysian export",
    value={
        "regime": "MY_EXPORT",
        "hub": "KUL",
        "importer": "Hangzhou Tea House Co., Ltd.",
        "currency": "MYR",
        "waybill": "KUL100000017",
        "items": [
            {
                "hs_code": "090210",
                "description": "Green tea, packets of 100 g",
                "origin": "MY",
                "quantity": 40,
                "net_weight_kg": "4.000",
                "value": "480.00",
            }
        ],
    },
)


def _declarations_of(caller):
    if caller.is_channel:
        return selectors.declarations_of_channel(channel=caller.client)
    return selectors.declarations_of_organization(organization=caller.organization)


def _one(caller, reference: str) -> Declaration:
    declaration = _declarations_of(caller).filter(reference=reference[:20]).first()
    if declaration is None:
        raise Http404
    return declaration


def _answer(caller, declaration: Declaration, code=status.HTTP_200_OK) -> Response:
    fresh = _declarations_of(caller).get(pk=declaration.pk)
    return Response(
        DeclarationOutput(fresh).data,
        status=code,
        headers={"Location": f"/api/v1/declarations/{fresh.reference}"},
    )


class DeclarationListApi(APIView):
    """Organisations file declarations (drafts: submit them to have them assessed); both
    organisations and channels list theirs, newest first."""

    permission_classes = [HasMethodScope, IsChannelOrOrganizationClient]
    scopes = {"GET": ["customs:read"], "POST": ["customs:write"]}

    class Pagination(CursorPagination):
        ordering = "-id"

    pagination_class = Pagination

    @extend_schema(
        operation_id="declarations_list",
        responses=DeclarationOutput(many=True),
        tags=["customs"],
        parameters=[OpenApiParameter("status", str, enum=Declaration.Status.values)],
    )
    def get(self, request):
        declarations = _declarations_of(caller_of(request))
        wanted = query_choice(request, "status", Declaration.Status.values)
        if wanted:
            declarations = declarations.filter(status=wanted)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(declarations, request, view=self)
        return paginator.get_paginated_response(DeclarationOutput(page, many=True).data)

    @extend_schema(
        operation_id="declarations_create",
        request=DeclarationInput,
        responses={201: DeclarationOutput},
        tags=["customs"],
        examples=[EXAMPLE],
    )
    @idempotent
    def post(self, request):
        caller = caller_of(request)
        if caller.organization is None:
            raise PermissionDenied(IsOrganizationClient.message)
        data = DeclarationInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = declaration_create(
            request=_declaration_request(caller.organization, data.validated_data),
            actor_label=caller.label,
        )
        return _answer(caller, declaration, status.HTTP_201_CREATED)


def _declaration_request(organization, data):
    hub = Hub.objects.filter(code=data["hub"].upper()).first()
    if hub is None:
        raise NotFoundError(
            f"No hub {data['hub']}.", CustomsErrorCode.HUB_UNKNOWN, extra={"field": "hub"}
        )
    order = None
    if data.get("order"):
        order = organization.sales.filter(reference=data["order"]).first()
        if order is None:
            raise NotFoundError(
                "Not one of your sales.", CustomsErrorCode.ORDER_UNKNOWN, extra={"field": "order"}
            )
    return declaration_request_of_organization(
        organization=organization, hub=hub, order=order, data=data, items=_items(data["items"])
    )


class DeclarationDetailApi(APIView):
    permission_classes = [HasMethodScope, IsChannelOrOrganizationClient]
    scopes = {"GET": ["customs:read"]}

    @extend_schema(operation_id="declarations_get", responses=DeclarationOutput, tags=["customs"])
    def get(self, request, reference):
        return Response(DeclarationOutput(_one(caller_of(request), reference)).data)


class DeclarationSubmitApi(APIView):
    """Submit a draft. Assessment, risk and (green, blue) release follow within seconds:
    202 answers with the submitted declaration; poll it or listen to `declaration.status`."""

    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"POST": ["customs:write"]}

    @extend_schema(
        operation_id="declarations_submit",
        request=None,
        responses={202: DeclarationOutput},
        tags=["customs"],
    )
    @idempotent
    def post(self, request, reference):
        caller = caller_of(request)
        declaration = declaration_submit(
            declaration=_one(caller, reference), actor_label=caller.label
        )
        return _answer(caller, declaration, status.HTTP_202_ACCEPTED)


class BatchSubmitInput(StrictInputSerializer):
    class Meta:
        ref_name = "DeclarationBatchSubmit"

    references = serializers.ListField(
        child=serializers.CharField(max_length=20), min_length=1, max_length=500
    )


class BatchSubmitOutput(serializers.Serializer):
    class Meta:
        ref_name = "DeclarationBatchSubmitted"

    submitted = serializers.IntegerField(help_text="Newly submitted (repeats are not counted)")
    references = serializers.ListField(child=serializers.CharField())


class DeclarationBatchSubmitApi(APIView):
    """Submit up to 500 drafts at once, all or none (a platform pushing its day's orders):
    they are assessed in batches. Poll them or listen to `declaration.status`."""

    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"POST": ["customs:write"]}

    @extend_schema(
        operation_id="declarations_submit_batch",
        request=BatchSubmitInput,
        responses={202: BatchSubmitOutput},
        tags=["customs"],
    )
    @idempotent
    def post(self, request):
        caller = caller_of(request)
        data = BatchSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        references = list(dict.fromkeys(data.validated_data["references"]))
        found = {
            d.reference: d
            for d in Declaration.objects.filter(
                organization=caller.organization, reference__in=references
            ).only("pk", "reference")
        }
        for i, reference in enumerate(references):
            if reference not in found:
                raise NotFoundError(
                    "Not a declaration of yours.",
                    CustomsErrorCode.DECLARATION_UNKNOWN,
                    extra={"field": f"references.{i}"},
                )
        submitted = declarations_submit(declarations=list(found.values()), actor_label=caller.label)
        return Response(
            BatchSubmitOutput({"submitted": submitted, "references": references}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class _DeclarationChangeApi(APIView):
    """A change the declarant's own system makes to one of its declarations: the input
    (``Input``) checked, the change made (``change``), the declaration as it is now."""

    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"POST": ["customs:write"]}
    Input: type[StrictInputSerializer]

    @idempotent
    def post(self, request, reference):
        caller = caller_of(request)
        declaration = _one(caller, reference)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        return _answer(caller, self.change(caller, declaration, data.validated_data))

    def change(self, caller, declaration: Declaration, data: dict) -> Declaration:
        raise NotImplementedError


@extend_schema_view(
    post=extend_schema(
        operation_id="declarations_amend",
        request=AmendInput,
        responses=DeclarationOutput,
        tags=["customs"],
    )
)
class DeclarationAmendApi(_DeclarationChangeApi):
    """Replace the items (a corrected weight or value): assessed again at once. A declaration
    waiting for an officer stays with the officer."""

    Input = AmendInput

    def change(self, caller, declaration, data):
        return declaration_amend(
            declaration=declaration,
            items=_items(data["items"]),
            reason=data["reason"],
            actor_label=caller.label,
        )


@extend_schema_view(
    post=extend_schema(
        operation_id="declarations_cancel",
        request=ReasonInput,
        responses=DeclarationOutput,
        tags=["customs"],
    )
)
class DeclarationCancelApi(_DeclarationChangeApi):
    """Cancel a draft, or a declaration not yet in a lane: what it held (its share of the
    buyer's annual CBEC allowance) is given back."""

    Input = ReasonInput

    def change(self, caller, declaration, data):
        return declaration_cancel(
            declaration=declaration, reason=data["reason"], actor_label=caller.label
        )
