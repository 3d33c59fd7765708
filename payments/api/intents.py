"""An order's payment over the API, for the sales channel that placed the order and the
organisations that buy or sell it: what is owed, what has arrived, and where to transfer it."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.fields import MoneyField
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.errors import NotFoundError
from hubs.api.caller import IsChannelOrOrganizationClient, caller_of
from hubs.selectors import orders_of_channel, orders_of_organization

from .. import selectors
from ..errors import PaymentsErrorCode
from ..models import PaymentIntent


class PayToOutput(serializers.Serializer):
    class Meta:
        ref_name = "PayTo"

    bank = serializers.CharField(help_text="The partner bank that holds the hub's account.")
    bic = serializers.CharField(
        help_text="The bank's SWIFT/BIC code (ISO 9362: 8 or 11 characters)."
    )
    account_name = serializers.CharField(help_text="The name the account is held in.")
    account_number = serializers.CharField(
        help_text="The account number or IBAN, in capitals and digits without spaces."
    )
    reference = serializers.CharField(
        help_text="Quote it with the transfer, exactly: the order reference, by which the "
        "bank's report of the money is applied to the order."
    )


class OrderPaymentOutput(serializers.Serializer):
    class Meta:
        ref_name = "OrderPayment"

    order_reference = serializers.CharField(source="order.reference")
    status = serializers.ChoiceField(
        choices=PaymentIntent.Status.values,
        help_text="pending: nothing or part of the amount has arrived; paid: all of it is "
        "held in escrow; closed: the order ended unpaid and what arrived went back.",
    )
    amount = MoneyField(
        help_text="What the buyer owes, in the currency it pays in (the order's "
        "payment_currency): the goods, plus a DDP order's quoted duties."
    )
    received = MoneyField(help_text="What has arrived so far.")
    outstanding = MoneyField(help_text="What is still to be transferred.")
    due_at = serializers.DateTimeField(help_text="An order still unpaid then expires.")
    pay_to = PayToOutput(
        allow_null=True,
        help_text="Where to transfer what is outstanding: the hub's collection account at "
        "a partner bank in the payment currency, and the reference to quote. null when no "
        "money is expected (the order is paid, or it ended), or while the hub has published "
        "no account for the currency: then do not transfer, ask the hub.",
    )


class OrderPaymentApi(APIView):
    """What an order's buyer owes, what has arrived, and where to transfer the rest. A
    channel also hears from the `payment.confirmed` webhook when all of it is in."""

    permission_classes = [HasMethodScope, IsChannelOrOrganizationClient]
    scopes = {"GET": ["orders:read"]}

    @extend_schema(operation_id="orders_payment_get", responses=OrderPaymentOutput, tags=["orders"])
    def get(self, request, reference):
        caller = caller_of(request)
        orders = (
            orders_of_channel(channel=caller.client)
            if caller.is_channel
            else orders_of_organization(organization=caller.organization)
        )
        order = orders.filter(reference=reference).first()
        if order is None:
            raise Http404
        intent = selectors.payment_intent_of(order=order)
        if intent is None:  # the step that asks for the money runs just after the order
            raise NotFoundError(
                "No payment has been requested for this order yet: ask again shortly.",
                PaymentsErrorCode.NO_PAYMENT_REQUESTED,
            )
        payment = {
            "order": order,
            "status": intent.status,
            "amount": intent.amount,
            "received": intent.received,
            "outstanding": intent.outstanding,
            "due_at": intent.due_at,
            "pay_to": selectors.order_pay_to(order=order, intent=intent),
        }
        return Response(OrderPaymentOutput(payment).data)
