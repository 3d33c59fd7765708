"""Duty quotes: what an import will be assessed in duties and taxes, before the order exists
(a channel shows the landed cost at checkout). Nothing is stored or reserved."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.api.strict import StrictInputSerializer
from ewtp.common.errors import CommonErrorCode, NotFoundError
from ewtp.common.idempotency import idempotent
from hubs.api.caller import IsChannelOrOrganizationClient, caller_of
from hubs.models import Hub

from ..errors import CustomsErrorCode
from ..services.quotes import QuoteRequest, duty_quote
from .declarations import HUB_CODE, ItemInput, _items, money_amount


class QuoteInput(StrictInputSerializer):
    class Meta:
        ref_name = "DutyQuoteInput"

    destination_hub = serializers.RegexField(
        HUB_CODE, help_text="IATA code of the hub (404 if there is none)"
    )
    regime = serializers.ChoiceField(
        choices=["MY_IMPORT", "CN_IMPORT", "CN_CBEC_IMPORT"],
        required=False,
        help_text="Default: cross-border retail (CN) for a channel, general import otherwise",
    )
    currency = serializers.RegexField(r"^[A-Z]{3}$", help_text="ISO 4217 code of the values")
    freight = money_amount()
    insurance = money_amount()
    fta_agreement = serializers.ChoiceField(choices=["", "ACFTA"], default="")
    fta_certificate = serializers.CharField(max_length=40, allow_blank=True, default="")
    sold_online_by_registered_seller = serializers.BooleanField(
        default=False, help_text="MY: the seller is registered for low-value-goods sales tax"
    )
    items = ItemInput(many=True, min_length=1, max_length=200)


class QuoteLineOutput(serializers.Serializer):
    class Meta:
        ref_name = "DutyQuoteLine"

    item = serializers.IntegerField(source="item_no")
    tax = serializers.CharField()
    base = serializers.DecimalField(max_digits=14, decimal_places=2)
    rate = serializers.CharField()
    rule = serializers.CharField()
    legal_source = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class QuoteOutput(serializers.Serializer):
    class Meta:
        ref_name = "DutyQuote"

    regime = serializers.CharField()
    treatment = serializers.CharField()
    customs_currency = serializers.CharField()
    exchange_rate = serializers.DecimalField(max_digits=20, decimal_places=10)
    exchange_rate_source = serializers.CharField()
    total_tax = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="In the customs currency"
    )
    total_tax_in_currency = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="In the currency of the quote"
    )
    totals = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    lines = QuoteLineOutput(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    quoted_on = serializers.DateField()


EXAMPLE = OpenApiExample(
    "Two silk scarves to Hangzhou",
    value={
        "destination_hub": "HGH",
        "currency": "MYR",
        "items": [
            {
                "hs_code": "621410",
                "description": "Batik silk scarf",
                "origin": "MY",
                "quantity": 2,
                "net_weight_kg": "0.300",
                "value": "180.00",
            }
        ],
    },
)


class DutyQuoteApi(APIView):
    """Duties and taxes an import would be assessed today, line by line with rule and legal
    source, in the customs currency and in the quote's currency. China cross-border retail
    is quoted within the buyer's annual limit (the declaration checks it)."""

    permission_classes = [HasMethodScope, IsChannelOrOrganizationClient]
    scopes = {"POST": ["customs:quote"]}

    @extend_schema(
        operation_id="duty_quotes_create",
        request=QuoteInput,
        responses=QuoteOutput,
        tags=["customs"],
        examples=[EXAMPLE],
    )
    @idempotent
    def post(self, request):
        caller = caller_of(request)
        data = QuoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        hub = Hub.objects.filter(code=data["destination_hub"].upper()).first()
        if hub is None:
            raise NotFoundError(
                f"No hub {data['destination_hub']}.",
                CustomsErrorCode.HUB_UNKNOWN,
                extra={"field": "destination_hub"},
            )
        country = hub.country.code
        regime = data.get("regime") or (
            "CN_CBEC_IMPORT" if country == "CN" and caller.is_channel else f"{country}_IMPORT"
        )
        if not regime.startswith(country):
            raise serializers.ValidationError(
                {"regime": [f"{hub.code} is in {country}: choose a {country} regime."]},
                code=CommonErrorCode.INVALID,
            )
        quote = duty_quote(
            request=QuoteRequest(
                regime=regime,
                currency=data["currency"],
                on=timezone.localdate(),
                items=_items(data["items"]),
                freight=data["freight"],
                insurance=data["insurance"],
                fta_agreement=data["fta_agreement"],
                fta_certificate=data["fta_certificate"],
                sold_online_by_registered_seller=data["sold_online_by_registered_seller"],
            )
        )
        assessment = quote.assessment
        return Response(
            QuoteOutput(
                {
                    "regime": regime,
                    "treatment": assessment.treatment,
                    "customs_currency": assessment.currency,
                    "exchange_rate": quote.exchange_rate,
                    "exchange_rate_source": quote.exchange_rate_source,
                    "total_tax": assessment.total,
                    "total_tax_in_currency": quote.total_in_currency,
                    "totals": assessment.totals,
                    "lines": [
                        {**line.__dict__, "item_no": line.item + 1} for line in assessment.lines
                    ],
                    "notes": assessment.notes,
                    "quoted_on": quote.request.on,
                }
            ).data
        )
