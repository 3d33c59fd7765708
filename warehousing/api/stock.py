"""Stock over the API: what a channel may sell from which warehouse (beside its listings),
and the seller's own stock report."""

import re
import uuid

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.errors import CommonErrorCode, NotFoundError
from hubs import selectors as hubs_selectors
from hubs.api.caller import IsChannelOrOrganizationClient, IsOrganizationClient, caller_of
from hubs.errors import HubsErrorCode

from .. import selectors
from ..selectors.stock import COVER_WINDOW_DAYS
from .examples import AVAILABILITY_EXAMPLE, STOCK_REPORT_EXAMPLE
from .warehouses import (
    HUB_PARAMETER,
    WAREHOUSE_CODE,
    WarehouseOutput,
    hub_of_query,
    warehouse_of_query,
)

# a channel asks for a page of listings at a time; more in one call is a mistake or a scrape
MAX_PRODUCTS = 100
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _invalid(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]}, code=CommonErrorCode.INVALID)


def product_ids_of_query(request) -> list[uuid.UUID]:
    """The ``product`` parameters: 1 to MAX_PRODUCTS UUIDs, each once, in the order sent."""
    values = request.query_params.getlist("product")
    if not values:
        raise _invalid("product", _("Name at least one product."))
    if len(values) > MAX_PRODUCTS:
        raise _invalid(
            "product", _("At most %(max)s products per request.") % {"max": MAX_PRODUCTS}
        )
    for value in values:
        if not re.fullmatch(UUID_PATTERN, value):
            raise _invalid(
                "product", _("%(value)s is not a product id (a UUID).") % {"value": value[:40]}
            )
    return list(dict.fromkeys(uuid.UUID(value) for value in values))


class OfferOutput(serializers.Serializer):
    class Meta:
        ref_name = "WarehouseAvailability"

    warehouse = WarehouseOutput()
    available = serializers.IntegerField(
        help_text="Units a new order can have from this warehouse now: on its shelves and "
        "not reserved by orders not yet picked. It can fall before your order arrives; the "
        "order is then refused with a 409 (out_of_stock)."
    )


class AvailabilityOutput(serializers.Serializer):
    class Meta:
        ref_name = "ProductAvailability"

    product = serializers.UUIDField(help_text="The listing's id, as sent.")
    sku = serializers.CharField(help_text="The seller's SKU of the listing.")
    warehouses = OfferOutput(
        many=True,
        help_text="The warehouses holding units of it (at the hub asked for), fastest "
        "delivery first; empty when none does: the order is then flown from the seller's hub "
        "(POST /api/v1/orders).",
    )


class AvailabilityListOutput(serializers.Serializer):
    class Meta:
        ref_name = "StockAvailability"

    products = AvailabilityOutput(many=True, help_text="One per product asked for, in order.")


class StockAvailabilityApi(APIView):
    """Per listing, the warehouses that hold units of it now and how many a new order can
    have: what a channel shows beside a listing ("ships from Hangzhou bonded warehouse,
    1–2 days") before it places the order with POST /api/v1/warehouses/{code}/orders."""

    permission_classes = [HasMethodScope, IsChannelOrOrganizationClient]
    scopes = {"GET": ["products:read"]}

    @extend_schema(
        operation_id="stock_availability",
        summary="Stock per warehouse of listings",
        responses=AvailabilityListOutput,
        tags=["warehousing"],
        parameters=[
            OpenApiParameter(
                "product",
                {
                    "type": "array",
                    "items": {"type": "string", "format": "uuid", "pattern": UUID_PATTERN},
                    "minItems": 1,
                    "maxItems": MAX_PRODUCTS,
                },
                required=True,
                explode=True,
                description=f"A listing's id; repeat the parameter for up to {MAX_PRODUCTS} "
                "listings (?product=…&product=…). More is a 400; a listing that is not in the "
                "catalogue (withdrawn, or not reaching `hub`) is a 404 naming it.",
            ),
            HUB_PARAMETER,
        ],
        examples=[AVAILABILITY_EXAMPLE],
    )
    def get(self, request):
        ids = product_ids_of_query(request)
        rows = listings_availability(ids, hub=hub_of_query(request))
        return Response(AvailabilityListOutput({"products": rows}).data)


def listings_availability(ids: list[uuid.UUID], *, hub) -> list[dict]:
    """Per listing of ``ids`` (in the catalogue, reaching ``hub`` when given), the warehouses
    (at ``hub``) with units a new order can have, fastest delivery first. Four queries."""
    products = {
        public_id: (pk, sku)
        for pk, public_id, sku in hubs_selectors.catalogue_for(destination=hub)
        .filter(public_id__in=ids)
        .prefetch_related(None)
        .values_list("pk", "public_id", "sku")
    }
    for public_id in ids:
        if public_id not in products:
            raise NotFoundError(
                _("No listing %(id)s.") % {"id": public_id},
                HubsErrorCode.PRODUCT_UNKNOWN,
                extra={"field": "product"},
            )
    offers = selectors.availability_by_warehouse(product_ids=[pk for pk, _sku in products.values()])
    rows = []
    for public_id in ids:
        pk, sku = products[public_id]
        held = [
            {"warehouse": warehouse, "available": units}
            for warehouse, units in offers.get(pk, [])
            if hub is None or warehouse.hub_id == hub.pk
        ]
        held.sort(key=lambda offer: (offer["warehouse"].delivery_days_max, offer["warehouse"].code))
        rows.append({"product": public_id, "sku": sku, "warehouses": held})
    return rows


class StockRowOutput(serializers.Serializer):
    class Meta:
        ref_name = "StockReportRow"

    warehouse = serializers.CharField(source="warehouse.code", help_text="The warehouse's code.")
    hub = serializers.CharField(source="warehouse.hub.code", help_text="IATA code of its hub.")
    product = serializers.UUIDField(source="product.public_id", help_text="Your product's id.")
    sku = serializers.CharField(source="product.sku")
    on_hand = serializers.IntegerField(help_text="Units on the warehouse's shelves.")
    reserved = serializers.IntegerField(
        help_text="Units of those claimed by orders not yet picked."
    )
    available = serializers.IntegerField(
        help_text="On hand less reserved: what new orders can have."
    )
    in_transit = serializers.IntegerField(
        help_text="Units announced on your inbound shipments that are booked or at the dock, "
        "not yet counted in."
    )
    sold = serializers.IntegerField(
        help_text="Units dispatched to consumers over the last `cover_window_days` days "
        "(returns not counted)."
    )
    days_of_cover = serializers.DecimalField(
        max_digits=12,
        decimal_places=1,
        allow_null=True,
        help_text="How many days the available units last at the rate `sold` measures; null "
        "when nothing sold in the window (no rate to measure by).",
    )


class StockReportOutput(serializers.Serializer):
    class Meta:
        ref_name = "StockReport"

    cover_window_days = serializers.IntegerField(
        help_text="The days of sales that `sold` and `days_of_cover` are measured over."
    )
    rows = StockRowOutput(
        many=True,
        help_text="One per warehouse and SKU you hold or have on the way, by warehouse and SKU.",
    )


class StockReportApi(APIView):
    """Your stock in the hubs' warehouses, per warehouse and SKU: on hand, reserved by
    orders, available, on the way in, and how many days it lasts at the recent rate of sale
    (the seller's own API client)."""

    permission_classes = [HasMethodScope, IsOrganizationClient]
    scopes = {"GET": ["products:read"]}

    @extend_schema(
        operation_id="stock_report",
        summary="Your stock report",
        responses=StockReportOutput,
        tags=["warehousing"],
        parameters=[
            OpenApiParameter(
                "warehouse",
                {"type": "string", "pattern": WAREHOUSE_CODE},
                description="A warehouse's code: only your stock there. An unknown warehouse "
                "is a 404.",
            )
        ],
        examples=[STOCK_REPORT_EXAMPLE],
    )
    def get(self, request):
        seller = caller_of(request).organization
        warehouse = warehouse_of_query(request)
        rows = selectors.stock_report(
            seller=seller, warehouse_id=warehouse.pk if warehouse else None
        )
        return Response(
            StockReportOutput({"cover_window_days": COVER_WINDOW_DAYS, "rows": rows}).data
        )
