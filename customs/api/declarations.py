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
    extend_schema_field,
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
from ..models import Declaration
from ..services.declarations import (
    MAX_VALUE,
    ItemRequest,
    declaration_amend,
    declaration_cancel,
    declaration_create,
    declaration_request_of_organization,
    declaration_submit,
    declarations_submit,
)
from ..services.duty import REGIMES

HUB_CODE = r"^[A-Za-z]{3}$"
ORDER_REFERENCE = r"^EW-[0-9A-Z]{8}$"


class ItemOutput(serializers.Serializer):
    class Meta:
        ref_name = "DeclarationItem"

    line_no = serializers.IntegerField()
    hs_code = serializers.CharField()
    description = serializers.CharField()
    origin = serializers.CharField(source="origin.code")
    quantity = serializers.IntegerField()
    net_weight_kg = serializers.DecimalField(max_digits=10, decimal_places=3)
    value = serializers.DecimalField(max_digits=14, decimal_places=2)


class AssessmentLineOutput(serializers.Serializer):
    class Meta:
        ref_name = "AssessmentLine"

    line_no = serializers.IntegerField(help_text="The item this duty or tax is on")
    tax = serializers.CharField(help_text="duty, sales_tax, lvg_sales_tax, consumption_tax, vat")
    base = serializers.DecimalField(max_digits=14, decimal_places=2)
    rate = serializers.CharField()
    rule = serializers.CharField()
    legal_source = serializers.CharField()
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="In the customs currency"
    )


class TransitionOutput(serializers.Serializer):
    class Meta:
        ref_name = "DeclarationTransition"

    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")
    by = serializers.CharField(source="public_actor", help_text='e.g. "Customs KUL"')
    reason = serializers.CharField(source="public_reason")


class DocumentRequestOutput(serializers.Serializer):
    class Meta:
        ref_name = "DocumentRequest"

    at = serializers.DateTimeField(source="created_at")
    by = serializers.CharField(source="public_actor")
    documents = serializers.CharField(source="text")


class DeclarationOutput(serializers.Serializer):
    class Meta:
        ref_name = "Declaration"

    reference = serializers.CharField()
    regime = serializers.CharField()
    hub = serializers.CharField(source="hub.code")
    order_reference = serializers.CharField(source="order.reference", default=None, allow_null=True)
    status = serializers.CharField()
    lane = serializers.CharField(help_text="green, blue, yellow, red; empty before risk")
    treatment = serializers.CharField(help_text="general, lvg, de_minimis, cbec, export")
    exporter = serializers.CharField()
    importer = serializers.CharField()
    declarant = serializers.CharField()
    incoterm = serializers.CharField()
    waybill = serializers.CharField()
    currency = serializers.CharField()
    freight = serializers.DecimalField(max_digits=14, decimal_places=2)
    insurance = serializers.DecimalField(max_digits=14, decimal_places=2)
    customs_currency = serializers.CharField()
    exchange_rate = serializers.DecimalField(max_digits=20, decimal_places=10)
    exchange_rate_source = serializers.CharField()
    fta_agreement = serializers.CharField()
    fta_certificate = serializers.CharField()
    lvg_registration_number = serializers.CharField(
        help_text="MY import sold online by a registered seller of low value goods: the "
        "seller's LVG registration in force on the declaration date; empty otherwise"
    )
    declared_on = serializers.DateField()
    total_tax = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="In the customs currency"
    )
    match_differences = serializers.JSONField(
        help_text="CN CBEC: fields on which the order, payment and waybill records differ"
    )
    items = ItemOutput(many=True)
    assessment = AssessmentLineOutput(many=True, source="assessment_lines")
    transitions = TransitionOutput(many=True)
    documents_requested = serializers.SerializerMethodField(
        help_text="What customs asked the declarant to supply (upload it in the portal)"
    )

    @extend_schema_field(DocumentRequestOutput(many=True))
    def get_documents_requested(self, declaration):
        return DocumentRequestOutput(
            [note for note in declaration.notes.all() if note.is_public], many=True
        ).data


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
        raise NotFoundError(f"No hub {data['hub']}.", "hub_unknown", extra={"field": "hub"})
    order = None
    if data.get("order"):
        order = organization.sales.filter(reference=data["order"]).first()
        if order is None:
            raise NotFoundError("Not one of your sales.", "order_unknown", extra={"field": "order"})
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
                    "declaration_unknown",
                    extra={"field": f"references.{i}"},
                )
        submitted = declarations_submit(declarations=list(found.values()), actor_label=caller.label)
        return Response(
            BatchSubmitOutput({"submitted": submitted, "references": references}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class DeclarationAmendApi(APIView):
    """Replace the items (a corrected weight or value): assessed again at once. A declaration
    waiting for an officer stays with the officer."""

    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"POST": ["customs:write"]}

    @extend_schema(
        operation_id="declarations_amend",
        request=AmendInput,
        responses=DeclarationOutput,
        tags=["customs"],
    )
    @idempotent
    def post(self, request, reference):
        caller = caller_of(request)
        declaration = _one(caller, reference)
        data = AmendInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = declaration_amend(
            declaration=declaration,
            items=_items(data.validated_data["items"]),
            reason=data.validated_data["reason"],
            actor_label=caller.label,
        )
        return _answer(caller, declaration)


class DeclarationCancelApi(APIView):
    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"POST": ["customs:write"]}

    @extend_schema(
        operation_id="declarations_cancel",
        request=ReasonInput,
        responses=DeclarationOutput,
        tags=["customs"],
    )
    @idempotent
    def post(self, request, reference):
        caller = caller_of(request)
        declaration = _one(caller, reference)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = declaration_cancel(
            declaration=declaration, reason=data.validated_data["reason"], actor_label=caller.label
        )
        return _answer(caller, declaration)
