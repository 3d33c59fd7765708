"""The partner-bank API of the hub's treasury: the bank sends its camt.053 statements of the
hub's accounts to be reconciled, and fetches the hub's FX deal instructions (pain.001)."""

from django.conf import settings
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.fields import MoneyField
from ewtp.common.api.pagination import CursorPagination
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.audit import client_actor_label
from ewtp.common.http import attachment
from ewtp.common.idempotency import idempotent

from .. import selectors
from ..services.reconciliation import statement_reconcile
from ..services.statements import account_identifier
from ..services.treasury import treasury_instruction_downloaded
from .views import IsBankClient


class XmlBodyParser(BaseParser):
    """The body as bytes, read up to one byte past the statement limit (the service then
    refuses it as too large): a camt.053 file is parsed by the service, safely."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(settings.STATEMENT_MAX_BYTES + 1) if stream is not None else b""


class TextXmlBodyParser(XmlBodyParser):
    media_type = "text/xml"


class ReconciliationOutput(serializers.Serializer):
    class Meta:
        ref_name = "StatementReconciliation"

    id = serializers.UUIDField(source="public_id")
    statement_id = serializers.CharField(help_text="As in the statement's Stmt/Id")
    account = serializers.SerializerMethodField(help_text="As in the statement's Acct/Id")
    currency = serializers.CharField()
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField(help_text="Exclusive")
    status = serializers.ChoiceField(
        choices=["agreed", "differences"],
        help_text="agreed: every entry matched and both balances equal the hub's ledger",
    )
    entries = serializers.IntegerField(help_text="Booked entries in the statement")
    matched = serializers.IntegerField()
    unmatched_in_statement = serializers.IntegerField(source="statement_only")
    unmatched_in_ledger = serializers.IntegerField(
        source="ledger_only", help_text="The hub's entries of the period your statement lacks"
    )
    opening = MoneyField(help_text="Your opening booked balance (negative: overdrawn)")
    closing = MoneyField()
    ledger_opening = MoneyField(help_text="The same balance in the hub's ledger")
    ledger_closing = MoneyField()

    def get_account(self, reconciliation) -> str:
        return account_identifier(reconciliation.account)


class StatementUploadApi(APIView):
    """Send a camt.053 statement of the hub's accounts with you (camt.053.001.08 or .001.02,
    one or more Stmt blocks, not paged) as the request body. Each booked entry is matched with
    the hub's ledger by reference (end-to-end id, your reference), amount, date and
    direction; the answer says what agreed and what did not. Sending the same statement again
    changes nothing (200); a different statement under an id already received is a 409. A
    file that is not well-formed, declares a DTD or entities, does not follow the schema, or
    names an account the hub does not hold with you is a 400 naming the reason."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"POST": ["statements:write"]}
    parser_classes = [XmlBodyParser, TextXmlBodyParser]

    @extend_schema(
        operation_id="statement_reconcile",
        request={
            "application/xml": {
                "type": "string",
                "format": "binary",
                "maxLength": settings.STATEMENT_MAX_BYTES,
            }
        },
        responses={
            201: ReconciliationOutput(many=True),
            200: OpenApiResponse(
                ReconciliationOutput(many=True),
                description="The same statement was received before: nothing changed.",
            ),
            (415, "application/problem+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="Send application/xml (or text/xml)."
            ),
        },
        tags=["statements"],
    )
    @idempotent
    def post(self, request):
        client = request.auth.application.api_client
        data = request.data if isinstance(request.data, bytes) else b""  # no body at all
        received, created = statement_reconcile(
            bank=client, data=data, actor_label=client_actor_label(client)
        )
        return Response(
            ReconciliationOutput(received, many=True).data, status=201 if created else 200
        )


class InstructionOutput(serializers.Serializer):
    class Meta:
        ref_name = "FxInstruction"

    class DealOutput(serializers.Serializer):
        class Meta:
            ref_name = "FxDeal"

        end_to_end_id = serializers.CharField()
        sold = MoneyField(help_text="What the hub's account in that currency gives")
        bought = MoneyField(help_text="What the hub's account in that currency receives")
        rate = serializers.DecimalField(max_digits=20, decimal_places=10)
        rate_currency = serializers.CharField(
            source="position_currency", help_text="The unit currency of the rate"
        )

    id = serializers.UUIDField(source="public_id")
    message_id = serializers.CharField()
    day = serializers.DateField(help_text="The day whose conversions it settles")
    instructed_at = serializers.DateTimeField()
    downloaded_at = serializers.DateTimeField(allow_null=True)
    deals = DealOutput(many=True)


def _instructions(request):
    return selectors.treasury_instructions_of(bank=request.auth.application.api_client)


class InstructionListApi(APIView):
    """The hub's FX deals with you, one instruction a day."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"GET": ["treasury:read"]}

    class Pagination(CursorPagination):
        ordering = "-id"

    pagination_class = Pagination

    @extend_schema(
        operation_id="treasury_instructions_list",
        responses=InstructionOutput(many=True),
        tags=["treasury"],
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(_instructions(request), request, view=self)
        return paginator.get_paginated_response(InstructionOutput(page, many=True).data)


class InstructionFileApi(APIView):
    """The instruction as ISO 20022 pain.001.001.09: one credit transfer between the hub's own
    accounts with you per deal, with the agreed rate (RateTp AGRD, the deal as CtrctId)."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"GET": ["treasury:read"]}

    @extend_schema(
        operation_id="treasury_instruction_pain001",
        tags=["treasury"],
        responses={(200, "application/xml"): OpenApiResponse(description="pain.001.001.09 XML")},
    )
    def get(self, request, public_id):
        settlement = _instructions(request).filter(public_id=public_id).first()
        if settlement is None:
            raise Http404
        treasury_instruction_downloaded(settlement=settlement)
        return attachment(
            settlement.instruction,
            content_type="application/xml",
            filename=f"{settlement.message_id}.xml",
        )
