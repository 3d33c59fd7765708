"""The partner-bank API for payouts: batches to download, statuses to report."""

import functools
from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.pagination import CursorPagination
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.api.strict import StrictInputSerializer, query_choice
from ewtp.common.http import attachment
from ewtp.common.idempotency import idempotent
from ewtp.common.money import minor_units

from ..models import Payout, PayoutBatch
from ..selectors import batch_payout_rows, payout_batch_rows_of, payout_batches_of
from ..services.payouts import (
    REASONS,
    pain001_render,
    payout_batch_downloaded,
    payout_status_report,
)
from .views import IsBankClient


@functools.cache
def _minor_units(currency: str) -> int:
    return minor_units(currency)


def _amount(amount_minor: int, currency: str) -> dict:
    """``money_as_dict(money_from_minor(amount_minor, currency))``, for the thousand amounts
    of a page: a whole number of minor units needs no rounding, and the currency's minor
    units (three look-ups in babel's data each time) are looked up once per currency."""
    places = _minor_units(currency)
    return {"amount": f"{Decimal(amount_minor).scaleb(-places):.{places}f}", "currency": currency}


class PayoutOutput(serializers.Serializer):
    """A payout: a row of a batch's payout list (``payments.selectors.batch_payout_rows``),
    or one Payout (its status report); both are read by attribute."""

    class Meta:
        ref_name = "Payout"

    end_to_end_id = serializers.CharField()
    amount = serializers.SerializerMethodField()
    creditor_name = serializers.CharField()
    creditor_bic = serializers.CharField()
    status = serializers.CharField()
    reason_code = serializers.CharField()

    def get_amount(self, payout) -> dict:
        return _amount(payout.amount_minor, payout.currency)

    def to_representation(self, payout) -> dict:
        # The fields above, written out: a page of payouts holds up to 200, and DRF's
        # field-by-field path was a large part of the call. The declared fields still
        # describe the output (OpenAPI); a test holds the two to the same.
        return {
            "end_to_end_id": payout.end_to_end_id,
            "amount": _amount(payout.amount_minor, payout.currency),
            "creditor_name": payout.creditor_name,
            "creditor_bic": payout.creditor_bic,
            "status": payout.status,
            "reason_code": payout.reason_code,
        }


# a batch id's place in a URL reversed once for a page of batches
_ID_SLOT = "00000000-0000-4000-8000-000000000000"


class AmountOutput(serializers.Serializer):
    class Meta:
        ref_name = "PayoutTotal"

    amount = serializers.CharField(
        help_text="Decimal string with the currency's number of decimal places, e.g. 120.00"
    )
    currency = serializers.CharField()


class BatchOutput(serializers.Serializer):
    """A batch as the list shows it: what it holds in sum, and where its payouts and its
    pain.001 file are (a batch holds hundreds of payouts: the list does not carry them)."""

    class Meta:
        ref_name = "PayoutBatch"

    id = serializers.UUIDField(source="public_id")
    message_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    downloaded_at = serializers.DateTimeField(allow_null=True)
    payout_count = serializers.IntegerField()
    totals = serializers.SerializerMethodField(help_text="One per currency of its payouts")
    payouts_url = serializers.SerializerMethodField(help_text="Its payouts, a page at a time")
    pain001_url = serializers.SerializerMethodField(help_text="The batch as pain.001.001.09 XML")

    @extend_schema_field(AmountOutput(many=True))
    def get_totals(self, batch) -> list[dict]:
        return [_amount(total["minor"], total["currency"]) for total in batch.totals]

    # the context's URLs, each reversed once for the page with _ID_SLOT for the batch's id
    def get_payouts_url(self, batch) -> str:
        return self.context["payouts_url"].replace(_ID_SLOT, str(batch.public_id))

    def get_pain001_url(self, batch) -> str:
        return self.context["pain001_url"].replace(_ID_SLOT, str(batch.public_id))

    def to_representation(self, batch) -> dict:
        # as PayoutOutput's: written out for speed, the same as the fields declared (the
        # moments as DRF's DateTimeField gives them: in the current zone, ISO 8601, "Z")
        zone = timezone.get_current_timezone()
        return {
            "id": str(batch.public_id),
            "message_id": batch.message_id,
            "created_at": _iso(batch.created_at, zone),
            "downloaded_at": _iso(batch.downloaded_at, zone) if batch.downloaded_at else None,
            "payout_count": batch.payout_count,
            "totals": self.get_totals(batch),
            "payouts_url": self.get_payouts_url(batch),
            "pain001_url": self.get_pain001_url(batch),
        }


def _iso(moment, zone) -> str:
    text = moment.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _bank(request):
    return request.auth.application.api_client


def _batch(request, public_id) -> PayoutBatch:
    batch = payout_batches_of(bank=_bank(request)).filter(public_id=public_id).first()
    if batch is None:
        raise Http404
    return batch


class PayoutBatchListApi(APIView):
    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"GET": ["payouts:read"]}

    class Pagination(CursorPagination):
        ordering = "-id"

    pagination_class = Pagination

    @extend_schema(
        operation_id="payout_batches_list", responses=BatchOutput(many=True), tags=["payouts"]
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            payout_batch_rows_of(bank=_bank(request)), request, view=self
        )
        urls = {
            key: request.build_absolute_uri(reverse(name, args=[_ID_SLOT]))
            for key, name in (
                ("payouts_url", "api-payout-batch-payouts"),
                ("pain001_url", "api-payout-pain001"),
            )
        }
        return paginator.get_paginated_response(BatchOutput(page, many=True, context=urls).data)


class PayoutBatchPayoutsApi(APIView):
    """The batch's payouts, oldest first; ``status`` narrows them (``batched`` and
    ``accepted`` are those still to report)."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"GET": ["payouts:read"]}
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="payout_batch_payouts",
        responses=PayoutOutput(many=True),
        tags=["payouts"],
        parameters=[OpenApiParameter("status", str, enum=Payout.Status.values)],
    )
    def get(self, request, public_id):
        status = query_choice(request, "status", Payout.Status.values)
        rows = batch_payout_rows(batch=_batch(request, public_id), status=status)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        one = PayoutOutput()
        return paginator.get_paginated_response([one.to_representation(row) for row in page])


class PayoutBatchFileApi(APIView):
    """The batch as an ISO 20022 pain.001.001.09 credit-transfer initiation (XML)."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"GET": ["payouts:read"]}

    @extend_schema(
        operation_id="payout_batch_pain001",
        tags=["payouts"],
        responses={(200, "application/xml"): OpenApiResponse(description="pain.001.001.09 XML")},
    )
    def get(self, request, public_id):
        batch = _batch(request, public_id)
        xml = pain001_render(batch=batch)
        payout_batch_downloaded(batch=batch)
        return attachment(xml, content_type="application/xml", filename=f"{batch.message_id}.xml")


class PayoutStatusInput(StrictInputSerializer):
    class Meta:
        ref_name = "PayoutStatusReport"

    end_to_end_id = serializers.CharField(max_length=35)
    status = serializers.ChoiceField(
        choices=[Payout.Status.ACCEPTED, Payout.Status.SETTLED, Payout.Status.REJECTED]
    )
    reason_code = serializers.ChoiceField(choices=sorted(REASONS), required=False, allow_blank=True)


class PayoutStatusApi(APIView):
    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"POST": ["payouts:write"]}

    @extend_schema(
        operation_id="payout_status_report",
        request=PayoutStatusInput,
        responses=PayoutOutput,
        tags=["payouts"],
        examples=[
            OpenApiExample(
                "Settled", value={"end_to_end_id": "EWP0A1B2C3D4E5F6A7B", "status": "settled"}
            ),
            OpenApiExample(
                "Rejected",
                value={
                    "end_to_end_id": "EWP0A1B2C3D4E5F6A7B",
                    "status": "rejected",
                    "reason_code": "AC01",
                },
            ),
        ],
        description="A rejection returns the funds to the seller's balance: give its reason code.",
    )
    @idempotent
    def post(self, request):
        data = PayoutStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        payout = payout_status_report(
            bank=request.auth.application.api_client,
            end_to_end_id=values["end_to_end_id"],
            status=values["status"],
            reason_code=values.get("reason_code", ""),
        )
        return Response(PayoutOutput(payout).data)
