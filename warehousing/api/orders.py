"""A sales channel's consumer order served from a warehouse's stock: the same order as POST
/api/v1/orders, its units reserved in the warehouse when it is placed, and delivered
domestically from there (from a bonded warehouse, after its retail import is released)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.errors import NotFoundError
from ewtp.common.idempotency import idempotent
from hubs.api.caller import caller_of
from hubs.api.orders import (
    ConsumerInput,
    OrderInput,
    OrderOutput,
    order_request_of,
    orders_of_caller,
)

from .. import selectors
from ..errors import WarehousingErrorCode
from ..services.orders import stock_order_place
from ..services.returns import return_request
from .examples import ORDER_EXAMPLE, PLACED_EXAMPLE
from .warehouses import WAREHOUSE_CODE, warehouse_named


class IsChannelClient(BasePermission):
    message = "Only sales channels order from a warehouse's stock for their consumers."

    def has_permission(self, request, view):
        return caller_of(request).is_channel


class StockOrderInput(OrderInput):
    class Meta:
        ref_name = "StockOrderInput"

    seller = serializers.UUIDField(
        help_text="The listings' seller (its id in GET /api/v1/listings/): the warehouse's "
        "units of its products are reserved."
    )
    destination_hub = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        help_text="May be left out: the warehouse's hub receives the goods. When sent (the "
        "body of POST /api/v1/orders as it is), it must be the warehouse's hub (400 "
        "otherwise).",
    )
    consumer = ConsumerInput(
        help_text="The end consumer, who receives the goods at the warehouse's hub. From a "
        "bonded warehouse in China the goods are a cross-border retail import in the "
        "consumer's name: give the resident ID in `id_reference`; the annual and "
        "per-order limits are the consumer's."
    )


class FulfilmentOutput(serializers.Serializer):
    class Meta:
        ref_name = "StockFulfilment"

    warehouse = serializers.CharField(
        source="warehouse.code", help_text="The warehouse whose units are reserved."
    )
    waybill = serializers.CharField(
        help_text="The waybill the goods will travel under in the country, allotted by the hub "
        "at placement (the hub's own number until a courier's system is connected): a bonded "
        "order's retail import declaration names it as its logistics record."
    )
    status = serializers.CharField(
        help_text="reserved (units held for the order), released (by customs: on the pick "
        "list), packed, dispatched (with the courier), delivered, returned, cancelled (units "
        "back on the shelf)."
    )


class StockOrderOutput(OrderOutput):
    class Meta:
        ref_name = "StockOrder"

    fulfilment = FulfilmentOutput(help_text="How the warehouse serves the order.")


class StockOrderApi(APIView):
    permission_classes = [HasMethodScope, IsChannelClient]
    scopes = {"POST": ["orders:write"]}

    @extend_schema(
        operation_id="warehouse_orders_create",
        summary="Place a consumer order served from a warehouse's stock",
        description="A channel's consumer order, served from the warehouse's stock instead "
        "of flown from the seller's hub. The body is that of POST /api/v1/orders (see its "
        "example); `destination_hub` may be left out. The units are reserved when the order "
        "is placed, and the order carries no e-road shipping or insurance. From a bonded "
        "warehouse the order is declared as a cross-border retail import (China: "
        "supervision mode 1210) once paid, then picked, packed and delivered within the "
        "warehouse's delivery days; it is sold duty paid (`incoterm` DDP: the platform "
        "collects the consumer's taxes, GACC Announcement 2018 No. 194) to a consumer "
        "(400 `duty_paid_only` or `consumers_only` otherwise). GET "
        "/api/v1/stock/availability tells which warehouse "
        "holds how many units.\n\nRefusals: 404 for an unknown warehouse, seller or product "
        "(naming the field); 409 `out_of_stock` naming the line when the warehouse has fewer "
        "units than ordered (nothing is created); 400 for a consumer or terms the order does "
        "not allow. Only sales channels call it.",
        request=StockOrderInput,
        responses={201: StockOrderOutput},
        tags=["warehousing"],
        parameters=[
            OpenApiParameter(
                "code",
                {"type": "string", "pattern": WAREHOUSE_CODE},
                OpenApiParameter.PATH,
                description="The warehouse's code (GET /api/v1/warehouses/).",
            )
        ],
        examples=[ORDER_EXAMPLE, PLACED_EXAMPLE],
    )
    @idempotent
    def post(self, request, code):
        caller = caller_of(request)
        warehouse = warehouse_named(code, "code")
        data = StockOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        # the order's own rules (seller, products, consumer) are those of POST /api/v1/orders
        order_request = order_request_of(
            caller, {"destination_hub": warehouse.hub.code, **data.validated_data}
        )
        order = stock_order_place(
            request=order_request, warehouse=warehouse, actor=None, actor_label=caller.label
        )
        order = orders_of_caller(caller).get(pk=order.pk)
        fulfilment = selectors.fulfilment_of_order(order_id=order.pk)
        return Response(
            {**OrderOutput(order).data, "fulfilment": FulfilmentOutput(fulfilment).data},
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/orders/{order.reference}"},
        )


class ReturnInput(serializers.Serializer):
    class Meta:
        ref_name = "StockReturnInput"

    reason = serializers.CharField(max_length=200, help_text="Why the consumer sends it back.")


class StockReturnApi(APIView):
    """The consumer of a channel's delivered stock order wants to send the goods back."""

    permission_classes = [HasMethodScope, IsChannelClient]
    scopes = {"POST": ["orders:write"]}

    @extend_schema(
        operation_id="warehouse_order_return_request",
        summary="Ask for a consumer's return of a delivered stock order",
        description="The consumer sends the goods back to the warehouse they left. From a "
        "bonded warehouse a return is asked for within 30 days of the retail import's "
        "release and the goods must reach the warehouse within 45 days of it (GACC "
        "Announcement 2018 No. 194); their taxes are then not levied and the consumer's "
        "annual total is given back. The hub refunds the order from escrow when the "
        "warehouse receives the goods, so a return is taken only while escrow holds the "
        "money (before the order is completed). Asking twice changes nothing. Refusals: "
        "404 for an order that is not the channel's stock order; 400 `return_too_late` or "
        "`return_invalid` with the reason.",
        request=ReturnInput,
        responses={202: FulfilmentOutput},
        tags=["warehousing"],
    )
    @idempotent
    def post(self, request, code, reference):
        caller = caller_of(request)
        warehouse = warehouse_named(code, "code")
        data = ReturnInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = orders_of_caller(caller).filter(reference=reference).first()
        fulfilment = order and selectors.fulfilment_of_order(order_id=order.pk)
        if fulfilment is None or fulfilment.warehouse_id != warehouse.pk:
            raise NotFoundError(
                f"No stock order {reference} at {warehouse.code}.",
                WarehousingErrorCode.RETURN_INVALID,
                extra={"field": "reference"},
            )
        fulfilment = return_request(
            fulfilment=fulfilment, reason=data.validated_data["reason"], actor_label=caller.label
        )
        return Response(FulfilmentOutput(fulfilment).data, status=status.HTTP_202_ACCEPTED)
