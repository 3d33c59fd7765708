"""The partner-bank API: incoming-payment notifications."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.fields import MoneyField, PositiveMoneyField
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.api.strict import StrictInputSerializer
from ewtp.common.errors import CommonErrorCode
from ewtp.common.idempotency import idempotent
from ewtp.common.models import ApiClient
from ewtp.common.money import money_from_minor

from ..services.intents import BankTransfer, payment_receive


class IsBankClient(BasePermission):
    message = "Only partner banks may call this."

    def has_permission(self, request, view):
        return request.auth.application.api_client.kind == ApiClient.Kind.BANK


class ClosedInput(StrictInputSerializer):
    # A bank's message with a field this API does not define is refused with a 400 naming
    # it, not half read: a payer's identity sent under another name must not be dropped
    # silently (customs would then see "not reported"). The schema states it
    # (additionalProperties: false, ewtp.common.api.schema).
    refuses_unknown_fields = True

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(name) for name in set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field is not part of the input.")] for name in unknown},
                    code=CommonErrorCode.INVALID,
                )
        return super().to_internal_value(data)


class IncomingPaymentInput(ClosedInput):
    class Meta:
        ref_name = "IncomingPaymentInput"

    class PayerInput(ClosedInput):
        class Meta:
            ref_name = "Payer"

        name = serializers.CharField(max_length=140)
        account = serializers.CharField(max_length=34, required=False, allow_blank=True)
        id_reference = serializers.CharField(
            max_length=40,
            required=False,
            allow_blank=True,
            help_text=(
                "The payer's identity document number (for a consumer in China, the resident "
                "identity card number), for cross-border retail imports: customs checks that "
                "the person who paid is the consumer on the order. Leave it out when the "
                "payer is a business."
            ),
        )

    order_reference = serializers.CharField(
        max_length=20, help_text="The order reference the payer quoted."
    )
    bank_reference = serializers.CharField(
        max_length=100, help_text="Your unique reference of the transfer."
    )
    amount = PositiveMoneyField()
    payer = PayerInput()


class IncomingPaymentOutput(serializers.Serializer):
    class Meta:
        ref_name = "IncomingPayment"

    id = serializers.UUIDField(source="public_id")
    order_reference = serializers.CharField(source="intent.order.reference")
    bank_reference = serializers.CharField()
    amount = MoneyField()
    outcome = serializers.CharField(
        help_text="applied, or refunded when the order can no longer be paid"
    )
    overpaid = serializers.SerializerMethodField()
    order_status = serializers.CharField(source="intent.order.status")
    intent_status = serializers.CharField(source="intent.status")
    outstanding = serializers.SerializerMethodField()

    def get_overpaid(self, payment) -> dict:
        return MoneyField().to_representation(
            money_from_minor(payment.overpaid_minor, payment.currency)
        )

    def get_outstanding(self, payment) -> dict:
        return MoneyField().to_representation(payment.intent.outstanding)


class IncomingPaymentApi(APIView):
    """A partner bank reports money received for an order."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"POST": ["payments:write"]}

    @extend_schema(
        operation_id="payments_incoming",
        request=IncomingPaymentInput,
        responses={201: IncomingPaymentOutput},
        tags=["payments"],
        examples=[
            OpenApiExample(
                "A transfer for an order",
                value={
                    "order_reference": "EW-7K2M9QXA",
                    "bank_reference": "CIMB-20261121-000123",
                    "amount": {"amount": "1798.00", "currency": "MYR"},
                    "payer": {
                        "name": "Hangzhou West Lake Tea Trading Co., Ltd.",
                        "account": "6222021234567890",
                    },
                },
            ),
            OpenApiExample(
                "A consumer's payment for a retail import into China",
                value={
                    "order_reference": "EW-3HT8PQ2C",
                    "bank_reference": "CIMB-20261121-000124",
                    "amount": {"amount": "90.00", "currency": "MYR"},
                    "payer": {
                        "name": "Chen Jing",
                        "account": "6222020987654321",
                        "id_reference": "11010519491231002X",
                    },
                },
            ),
        ],
        description=(
            "Each bank reference is applied once: reporting it again returns the same payment. "
            "Partial payments leave the order awaiting the rest; an over-payment is credited to "
            "the buying organisation (returned for consumers); a payment for an order that can no "
            "longer be paid is returned (outcome `refunded`). For a consumer's order into "
            "China's cross-border retail import, send the payer's `id_reference`: the order, "
            "payment and waybill must name the same person before customs releases the goods."
        ),
    )
    @idempotent
    def post(self, request):
        data = IncomingPaymentInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        payment = payment_receive(
            order_reference=values["order_reference"],
            transfer=BankTransfer(
                bank=request.auth.application.api_client,
                bank_reference=values["bank_reference"],
                amount=values["amount"],
                payer_name=values["payer"]["name"],
                payer_account=values["payer"].get("account", ""),
                payer_id_reference=values["payer"].get("id_reference", ""),
            ),
        )
        return Response(IncomingPaymentOutput(payment).data, status=status.HTTP_201_CREATED)
