"""Orders over the API: a sales channel places B2C orders for its consumers; an
organisation's own system places B2B orders as the buyer. Both read and cancel their own."""

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.fields import MoneyField
from ewtp.common.api.pagination import CursorPagination
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.api.strict import StrictInputSerializer, query_choice
from ewtp.common.errors import CommonErrorCode, NotAllowedError, NotFoundError
from ewtp.common.idempotency import idempotent
from ewtp.common.validators import no_bidi_controls

from .. import selectors
from ..errors import HubsErrorCode
from ..models import Hub, Order, OrderLine, OrderTransition, Organization, Product
from ..services.orders import order_cancel
from ..services.placement import Consumer, LineRequest, OrderRequest, order_place
from .caller import IsChannelOrOrganizationClient, caller_of


class LineOutput(serializers.Serializer):
    class Meta:
        ref_name = "OrderLine"

    line_no = serializers.IntegerField()
    product = serializers.UUIDField(source="product.public_id")
    sku = serializers.CharField()
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = MoneyField()
    line_total = MoneyField()
    hs_code = serializers.CharField()
    origin_country = serializers.CharField()
    unit_weight_kg = serializers.DecimalField(max_digits=10, decimal_places=3)


class PartyOutput(serializers.Serializer):
    class Meta:
        ref_name = "OrderParty"

    id = serializers.UUIDField(source="public_id")
    legal_name = serializers.CharField()


class TransitionOutput(serializers.Serializer):
    class Meta:
        ref_name = "OrderTransition"

    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")
    by = serializers.CharField(source="actor_label")
    reason = serializers.CharField()


class OrderOutput(serializers.Serializer):
    class Meta:
        ref_name = "Order"

    reference = serializers.CharField()
    status = serializers.CharField()
    seller = PartyOutput()
    buyer = PartyOutput(allow_null=True)
    consumer_name = serializers.CharField()
    consumer_country = serializers.CharField()
    origin_hub = serializers.CharField(source="origin_hub.code")
    destination_hub = serializers.CharField(source="destination_hub.code")
    incoterm = serializers.CharField()
    total = MoneyField(help_text="The goods, in the seller's currency.")
    shipping_charge = MoneyField(
        allow_null=True,
        help_text="The origin hub's charge for carrying the goods on the e-road, at its "
        "shipping rate in force when the order was placed (per kg of the order's weight, at "
        "least the minimum). Null when the e-road had no rate in force: the freight is "
        "arranged outside the platform and the import declares none.",
    )
    insurance_charge = MoneyField(
        allow_null=True,
        help_text="The origin hub's cargo insurance premium: its percentage of the goods plus "
        "the shipping charge. Null when the hub does not carry the order or had no premium "
        "in force.",
    )
    duties_quoted = MoneyField(
        allow_null=True,
        help_text="DDP: the import duties and taxes quoted when the order was placed, paid "
        "with the goods into escrow (null for DAP, and until the quote is made, which is "
        "before the order is awaiting payment). The assessment at import settles the "
        "difference: refunded to the buyer, or taken from the seller's part.",
    )
    amount_due = MoneyField(
        help_text="What the buyer pays, in the seller's currency: the total, the shipping "
        "and insurance charges, and a DDP order's quoted duties."
    )
    payment_currency = serializers.CharField(
        help_text="The currency the buyer pays in. GET /api/v1/orders/{reference}/payment "
        "states the amount and where to transfer it."
    )
    total_weight_kg = serializers.DecimalField(max_digits=12, decimal_places=3)
    expires_at = serializers.DateTimeField(help_text="An unpaid order expires at this time.")
    created_at = serializers.DateTimeField()
    lines = LineOutput(many=True)
    transitions = TransitionOutput(many=True)


class LineInput(StrictInputSerializer):
    class Meta:
        ref_name = "OrderLineInput"

    product = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class ConsumerInput(StrictInputSerializer):
    class Meta:
        ref_name = "Consumer"

    name = serializers.CharField(max_length=150, validators=[no_bidi_controls])
    address = serializers.CharField(max_length=500)
    country = serializers.CharField(
        max_length=2, help_text="ISO 3166-1 alpha-2; the destination hub's country"
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    id_reference = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="Identity document number the destination requires (China: resident ID).",
    )


class OrderInput(StrictInputSerializer):
    class Meta:
        ref_name = "OrderInput"

    seller = serializers.UUIDField()
    lines = LineInput(many=True, min_length=1, max_length=100)
    incoterm = serializers.ChoiceField(choices=Order.Incoterm.values, default="DAP")
    payment_currency = serializers.ChoiceField(
        choices=settings.PAYMENT_CURRENCIES,
        required=False,
        help_text="ISO 4217 code the buyer pays in; default: the seller's currency. The "
        "amount is converted at the day's reference rate.",
    )
    destination_hub = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        help_text="Channels: the hub that receives the goods (404 if there is none)",
    )
    consumer = ConsumerInput(required=False, help_text="Channels: the end consumer")


class CancelInput(StrictInputSerializer):
    class Meta:
        ref_name = "OrderCancel"

    reason = serializers.CharField(max_length=500)


B2C_EXAMPLE = OpenApiExample(
    "B2C from a channel",
    value={
        "seller": "6f1c2d9e-1111-4c3a-9a51-2f7c5a0c0b11",
        "destination_hub": "HGH",
        "incoterm": "DDP",
        "lines": [{"product": "0b6e5a7c-2222-4b1d-8e0e-9a3f4c2d1e00", "quantity": 2}],
        "consumer": {
            "name": "Chen Jing",
            "address": "18 Wensan Road, Xihu District, Hangzhou",
            "country": "CN",
            "id_reference": "11010519491231002X",
            "phone": "+86 571 8888 0000",
        },
    },
)
B2B_EXAMPLE = OpenApiExample(
    "B2B from an organisation",
    value={
        "seller": "6f1c2d9e-1111-4c3a-9a51-2f7c5a0c0b11",
        "incoterm": "DAP",
        "lines": [{"product": "0b6e5a7c-2222-4b1d-8e0e-9a3f4c2d1e00", "quantity": 50}],
    },
)


def orders_of_caller(caller):
    orders = (
        selectors.orders_of_channel(channel=caller.client)
        if caller.is_channel
        else selectors.orders_of_organization(organization=caller.organization)
    )
    return orders.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("line_no")),
        Prefetch("transitions", queryset=OrderTransition.objects.order_by("created_at", "id")),
    )


class OrderListApi(APIView):
    permission_classes = [HasMethodScope, IsChannelOrOrganizationClient]
    scopes = {"GET": ["orders:read"], "POST": ["orders:write"]}

    class Pagination(CursorPagination):
        ordering = "-id"

    pagination_class = Pagination

    @extend_schema(
        operation_id="orders_list",
        responses=OrderOutput(many=True),
        tags=["orders"],
        parameters=[
            OpenApiParameter("status", str, enum=Order.Status.values),
            OpenApiParameter(
                "role",
                str,
                enum=["buyer", "seller"],
                description="Organisations: as buyer or seller",
            ),
        ],
    )
    def get(self, request):
        caller = caller_of(request)
        orders = orders_of_caller(caller)
        status_filter = query_choice(request, "status", Order.Status.values)
        if status_filter:
            orders = orders.filter(status=status_filter)
        role = query_choice(request, "role", ["buyer", "seller"])
        if role and caller.organization:
            orders = orders.filter(**{role: caller.organization})
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(orders, request, view=self)
        return paginator.get_paginated_response(OrderOutput(page, many=True).data)

    @extend_schema(
        operation_id="orders_create",
        request=OrderInput,
        responses={201: OrderOutput},
        tags=["orders"],
        examples=[B2C_EXAMPLE, B2B_EXAMPLE],
    )
    @idempotent
    def post(self, request):
        caller = caller_of(request)
        data = OrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        order_request = order_request_of(caller, data.validated_data)
        order = order_place(request=order_request, actor=None, actor_label=caller.label)
        order = orders_of_caller(caller).get(pk=order.pk)
        return Response(
            OrderOutput(order).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/orders/{order.reference}"},
        )


def order_request_of(caller, data) -> OrderRequest:
    seller = (
        Organization.objects.select_related("home_hub").filter(public_id=data["seller"]).first()
    )
    if seller is None:
        raise NotFoundError(
            "No such seller.", HubsErrorCode.SELLER_UNKNOWN, extra={"field": "seller"}
        )
    by_id = {
        p.public_id: p.pk
        for p in Product.objects.filter(
            seller=seller, public_id__in=[line["product"] for line in data["lines"]]
        )
    }
    for i, line in enumerate(data["lines"]):
        if line["product"] not in by_id:
            raise NotFoundError(
                "Not a product of this seller.",
                HubsErrorCode.PRODUCT_UNKNOWN,
                extra={"field": f"lines.{i}.product"},
            )
    lines = [
        LineRequest(product_id=by_id[line["product"]], quantity=line["quantity"])
        for line in data["lines"]
    ]
    if caller.is_channel:
        destination, consumer = _b2c_destination_and_consumer(data)
        return OrderRequest(
            seller=seller,
            destination_hub=destination,
            lines=lines,
            incoterm=data["incoterm"],
            payment_currency=data.get("payment_currency", ""),
            channel=caller.client,
            consumer=consumer,
        )
    if "consumer" in data:
        raise NotAllowedError(
            "Only sales channels order for a consumer; organisations buy for themselves.",
            HubsErrorCode.CONSUMER_NOT_ALLOWED,
            extra={"field": "consumer"},
        )
    return OrderRequest(
        seller=seller,
        destination_hub=caller.organization.home_hub,
        lines=lines,
        incoterm=data["incoterm"],
        payment_currency=data.get("payment_currency", ""),
        buyer=caller.organization,
    )


def _b2c_destination_and_consumer(data):
    """Parse the channel's destination and consumer; their rules live in order_place."""
    if "destination_hub" not in data or "consumer" not in data:
        raise serializers.ValidationError(
            {
                name: ["Required for a channel's order."]
                for name in ("destination_hub", "consumer")
                if name not in data
            },
            code=CommonErrorCode.INVALID,
        )
    destination = Hub.objects.filter(code=data["destination_hub"].upper()[:3]).first()
    if destination is None:
        raise NotFoundError(
            f"No hub {data['destination_hub'][:10]}.",
            HubsErrorCode.HUB_UNKNOWN,
            extra={"field": "destination_hub"},
        )
    person = data["consumer"]
    consumer = Consumer(
        name=person["name"],
        address=person["address"],
        country=person["country"].upper(),
        email=person.get("email", ""),
        phone=person.get("phone", ""),
        id_reference=person.get("id_reference", "").strip().upper(),
    )
    return destination, consumer


class OrderDetailApi(APIView):
    permission_classes = [HasMethodScope, IsChannelOrOrganizationClient]
    scopes = {"GET": ["orders:read"]}

    @extend_schema(operation_id="orders_get", responses=OrderOutput, tags=["orders"])
    def get(self, request, reference):
        try:
            order = orders_of_caller(caller_of(request)).get(reference=reference)
        except Order.DoesNotExist:
            raise Http404 from None
        return Response(OrderOutput(order).data)


class OrderCancelApi(APIView):
    permission_classes = [HasMethodScope, IsChannelOrOrganizationClient]
    scopes = {"POST": ["orders:write"]}

    @extend_schema(
        operation_id="orders_cancel",
        request=CancelInput,
        responses=OrderOutput,
        tags=["orders"],
        examples=[OpenApiExample("Cancel", value={"reason": "The consumer withdrew the order."})],
    )
    @idempotent
    def post(self, request, reference):
        caller = caller_of(request)
        try:
            order = orders_of_caller(caller).get(reference=reference)
        except Order.DoesNotExist:
            raise Http404 from None
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        order_cancel(
            order=order, actor=None, reason=data.validated_data["reason"], actor_label=caller.label
        )
        return Response(OrderOutput(orders_of_caller(caller).get(pk=order.pk)).data)
