"""Inbound shipments over the API: the seller's own system announces the stock it sends to a
warehouse (the advance shipping notice) and reads what was counted in against it."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.pagination import CursorPagination
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.api.strict import StrictInputSerializer, query_choice
from ewtp.common.errors import NotFoundError
from ewtp.common.idempotency import idempotent
from ewtp.common.validators import no_bidi_controls
from hubs import selectors as hubs_selectors
from hubs.api.caller import IsOrganizationClient, caller_of
from hubs.errors import HubsErrorCode

from ..models import InboundLine, InboundShipment
from ..services.inbound import MAX_LINES, MAX_QUANTITY, InboundLineRequest, inbound_book
from .examples import BOOKED_EXAMPLE, BOOKING_EXAMPLE, SHIPMENT_EXAMPLE
from .warehouses import WAREHOUSE_CODE, warehouse_named, warehouse_of_query

# inbound_reference(): "IN-" and eight of an alphabet without 0, 1, I and O
REFERENCE_PATTERN = r"^IN-[2-9A-HJ-NP-Z]{8}$"


class InboundLineInput(StrictInputSerializer):
    class Meta:
        ref_name = "InboundLineInput"

    product = serializers.UUIDField(help_text="Your product's id (404 if it is not yours).")
    quantity = serializers.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, help_text="Units you send of this product and lot."
    )
    lot = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        validators=[no_bidi_controls],
        help_text="Your batch or lot number, where the goods have one (food, cosmetics): "
        "stock is kept and sold per lot, first-expiring first. Each product and lot on one "
        "line only.",
    )
    expires_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The lot's expiry date, after today; leave it out for goods that do not expire.",
    )


class InboundInput(StrictInputSerializer):
    class Meta:
        ref_name = "InboundShipmentInput"

    warehouse = serializers.RegexField(
        WAREHOUSE_CODE,
        help_text="The code of the warehouse the goods go to (GET /api/v1/warehouses/); 404 "
        "if there is no such active warehouse.",
    )
    expected_on = serializers.DateField(
        help_text="The day the goods are expected at the warehouse: today or later."
    )
    carrier_reference = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        validators=[no_bidi_controls],
        help_text="The carrier's reference of the consignment (a master air waybill), which "
        "the warehouse matches the goods at the dock against.",
    )
    lines = InboundLineInput(many=True, min_length=1, max_length=MAX_LINES)


class InboundLineOutput(serializers.Serializer):
    class Meta:
        ref_name = "InboundLine"

    line_no = serializers.IntegerField()
    product = serializers.UUIDField(source="product.public_id")
    sku = serializers.CharField(source="product.sku")
    lot = serializers.CharField()
    expires_on = serializers.DateField(allow_null=True)
    quantity_expected = serializers.IntegerField(help_text="Units you announced.")
    quantity_received = serializers.IntegerField(
        allow_null=True,
        help_text="Good units counted in and put on the shelves; null until the count.",
    )
    quantity_damaged = serializers.IntegerField(
        help_text="Damaged units set aside at the count (not in stock)."
    )
    difference = serializers.SerializerMethodField(
        help_text="Good units counted less units announced (negative: short); null until the count."
    )
    discrepancy = serializers.BooleanField(
        source="has_discrepancy",
        help_text="The count differed from the notice or found damaged units. You are told "
        "of each by e-mail when the shipment is received.",
    )
    note = serializers.CharField(help_text="The warehouse's note on the line, if any.")

    def get_difference(self, line) -> int | None:
        return None if line.quantity_received is None else line.difference


class InboundShipmentOutput(serializers.Serializer):
    class Meta:
        ref_name = "InboundShipment"

    reference = serializers.CharField(help_text="The shipment's reference: quote it on the goods.")
    status = serializers.CharField(
        help_text="booked (announced), arrived (at the dock; bonded: under its bulk entry "
        "declaration, duty suspended), received (counted in: the stock is for sale), "
        "cancelled.",
    )
    warehouse = serializers.CharField(source="warehouse.code")
    hub = serializers.CharField(source="warehouse.hub.code")
    expected_on = serializers.DateField()
    carrier_reference = serializers.CharField()
    entry_declaration = serializers.CharField(
        help_text="Bonded: the bulk entry declaration the goods came in under, once arrived; "
        "empty before."
    )
    arrived_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    units_expected = serializers.SerializerMethodField(help_text="Units announced, all lines.")
    units_received = serializers.SerializerMethodField(
        help_text="Good units counted in, all lines; null until the count."
    )
    discrepancies = serializers.IntegerField(
        source="discrepancy_count", help_text="Lines whose count differed from the notice."
    )
    lines = InboundLineOutput(many=True)

    def get_units_expected(self, shipment) -> int:
        return sum(line.quantity_expected for line in shipment.lines.all())

    def get_units_received(self, shipment) -> int | None:
        if shipment.received_at is None:
            return None
        return sum(line.quantity_received or 0 for line in shipment.lines.all())


def _shipments_of(seller):
    return (
        InboundShipment.objects.filter(seller=seller)
        .select_related("warehouse__hub")
        .prefetch_related(Prefetch("lines", queryset=InboundLine.objects.select_related("product")))
    )


def _line_requests(seller, lines) -> list[InboundLineRequest]:
    """The lines with the seller's products they name; a 404 naming a product not its own."""
    products = {
        product.public_id: product
        for product in hubs_selectors.products_of(seller=seller).filter(
            public_id__in=[line["product"] for line in lines]
        )
    }
    for index, line in enumerate(lines):
        if line["product"] not in products:
            raise NotFoundError(
                _("You have no product %(id)s.") % {"id": line["product"]},
                HubsErrorCode.PRODUCT_UNKNOWN,
                extra={"field": f"lines.{index}.product"},
            )
    return [
        InboundLineRequest(
            product=products[line["product"]],
            quantity=line["quantity"],
            lot=line["lot"],
            expires_on=line["expires_on"],
        )
        for line in lines
    ]


class InboundShipmentListApi(APIView):
    """Your inbound shipments (the seller's own API client): announce the goods you send to a
    warehouse, and follow them from booked to received. When the warehouse counts them in,
    each line shows what was received and damaged against what you announced."""

    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"GET": ["products:read"], "POST": ["products:write"]}

    class Pagination(CursorPagination):
        ordering = "-id"

    pagination_class = Pagination

    @extend_schema(
        operation_id="inbound_shipments_list",
        summary="List your inbound shipments",
        responses=InboundShipmentOutput(many=True),
        tags=["warehousing"],
        parameters=[
            OpenApiParameter("status", str, enum=InboundShipment.Status.values),
            OpenApiParameter(
                "warehouse",
                {"type": "string", "pattern": WAREHOUSE_CODE},
                description="Only shipments to this warehouse (404 if there is none).",
            ),
        ],
    )
    def get(self, request):
        shipments = _shipments_of(caller_of(request).organization)
        state = query_choice(request, "status", InboundShipment.Status.values)
        if state:
            shipments = shipments.filter(status=state)
        warehouse = warehouse_of_query(request)
        if warehouse is not None:
            shipments = shipments.filter(warehouse=warehouse)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(shipments, request, view=self)
        return paginator.get_paginated_response(InboundShipmentOutput(page, many=True).data)

    @extend_schema(
        operation_id="inbound_shipments_create",
        summary="Book an inbound shipment",
        description="The advance shipping notice: which of your products, lots and how many "
        "units you send to which warehouse, and when they arrive. Only a verified seller "
        "sends stock. The warehouse counts the goods in against it; into a bonded warehouse "
        "they come under one bulk entry declaration with duty suspended, and leave order by "
        "order as retail imports.",
        request=InboundInput,
        responses={201: InboundShipmentOutput},
        tags=["warehousing"],
        examples=[BOOKING_EXAMPLE, BOOKED_EXAMPLE],
    )
    @idempotent
    def post(self, request):
        caller = caller_of(request)
        data = InboundInput(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        warehouse = warehouse_named(data["warehouse"])
        shipment = inbound_book(
            seller=caller.organization,
            warehouse=warehouse,
            expected_on=data["expected_on"],
            lines=_line_requests(caller.organization, data["lines"]),
            actor=None,
            carrier_reference=data["carrier_reference"],
            actor_label=caller.label,
        )
        shipment = _shipments_of(caller.organization).get(pk=shipment.pk)
        return Response(
            InboundShipmentOutput(shipment).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/inbound-shipments/{shipment.reference}"},
        )


class InboundShipmentDetailApi(APIView):
    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"GET": ["products:read"]}

    @extend_schema(
        operation_id="inbound_shipments_get",
        summary="One of your inbound shipments",
        description="The shipment and each line's count: expected, received, damaged, the "
        "difference and whether it is a discrepancy. Another seller's shipment is a 404.",
        responses=InboundShipmentOutput,
        tags=["warehousing"],
        parameters=[
            OpenApiParameter(
                "reference",
                {"type": "string", "pattern": REFERENCE_PATTERN},
                OpenApiParameter.PATH,
                description="The shipment's reference (IN-7KQ2M9XD).",
            )
        ],
        examples=[SHIPMENT_EXAMPLE],
    )
    def get(self, request, reference):
        shipment = (
            _shipments_of(caller_of(request).organization).filter(reference=reference).first()
        )
        if shipment is None:
            raise Http404
        return Response(InboundShipmentOutput(shipment).data)
