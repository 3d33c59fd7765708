"""The warehouses at the hubs, as any API client reads them: where stock lies and how fast a
consumer gets it from there."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from ewtp.common.api.pagination import CursorPagination
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.api.strict import query_choice, query_match
from ewtp.common.errors import NotFoundError
from hubs import selectors as hubs_selectors
from hubs.errors import HubsErrorCode
from hubs.models import Hub

from .. import selectors
from ..errors import WarehousingErrorCode
from ..models import Warehouse

HUB_CODE = r"^[A-Za-z]{3}$"
# a warehouse's code as the hub gives it: letters, digits and hyphens (HGH-BW1)
WAREHOUSE_CODE = r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$"


def ships_from(warehouse: Warehouse) -> str:
    """What a listing promises the consumer: "Hangzhou bonded warehouse, 1–2 days"."""
    low, high = warehouse.delivery_days_min, warehouse.delivery_days_max
    if low == high:
        days = ngettext("%(days)s day", "%(days)s days", high) % {"days": high}
    else:
        days = _("%(min)s–%(max)s days") % {"min": low, "max": high}
    return _("%(warehouse)s, %(days)s") % {"warehouse": warehouse.name, "days": days}


def hub_of_query(request, name: str = "hub") -> Hub | None:
    """The hub a query parameter names: absent (None), or a 404 naming it when none has
    that code."""
    code = query_match(request, name, HUB_CODE)
    if code is None:
        return None
    try:
        return hubs_selectors.hub_get(code=code)
    except Hub.DoesNotExist:
        raise NotFoundError(
            _("No hub %(code)s.") % {"code": code}, HubsErrorCode.HUB_UNKNOWN, extra={"field": name}
        ) from None


def warehouse_named(code: str, field: str = "warehouse") -> Warehouse:
    """The active warehouse with this code, or a 404 naming the field that named it."""
    try:
        return selectors.warehouse_by_code(code=code)
    except NotFoundError:
        raise NotFoundError(
            _("No warehouse %(code)s.") % {"code": code},
            WarehousingErrorCode.WAREHOUSE_UNKNOWN,
            extra={"field": field},
        ) from None


def warehouse_of_query(request, name: str = "warehouse") -> Warehouse | None:
    """The warehouse a query parameter names: absent (None), or as warehouse_named."""
    code = query_match(request, name, WAREHOUSE_CODE)
    return None if code is None else warehouse_named(code, name)


HUB_PARAMETER = OpenApiParameter(
    "hub",
    {"type": "string", "pattern": HUB_CODE},
    description="IATA code of a hub (HGH): only its warehouses. An unknown hub is a 404.",
)


class WarehouseOutput(serializers.Serializer):
    class Meta:
        ref_name = "Warehouse"

    code = serializers.CharField(
        help_text="The warehouse's code: name it to order from its stock "
        "(POST /api/v1/warehouses/{code}/orders) or to send it stock."
    )
    name = serializers.CharField()
    hub = serializers.CharField(source="hub.code", help_text="IATA code of the hub it is at.")
    bonded = serializers.BooleanField(
        source="is_bonded",
        help_text="Goods lie here under customs supervision with duty suspended and leave it "
        "order by order as cross-border retail imports (China: supervision mode 1210). A "
        "bonded warehouse serves consumers' orders only.",
    )
    customs_site_code = serializers.SerializerMethodField(
        help_text="Bonded: the customs supervision site's code, which the bulk entry and each "
        "retail import declaration name. Null for a warehouse that is not bonded."
    )
    delivery_days_min = serializers.IntegerField(
        help_text="Fewest days from customs release (bonded) or dispatch to delivery."
    )
    delivery_days_max = serializers.IntegerField(
        help_text="Most days from customs release (bonded) or dispatch to delivery."
    )
    ships_from = serializers.SerializerMethodField(
        help_text="The promise to show the consumer beside a listing, in the request's "
        "language (Accept-Language): the warehouse and its delivery days."
    )

    def get_customs_site_code(self, warehouse) -> str | None:
        return (warehouse.customs_site_code or None) if warehouse.is_bonded else None

    def get_ships_from(self, warehouse) -> str:
        return ships_from(warehouse)


class WarehouseListApi(APIView):
    """The active warehouses of the hubs: where sellers hold stock ahead of demand and
    where a channel's order can be served from stock, delivered domestically within the
    warehouse's delivery days instead of flown from the seller's hub."""

    permission_classes = [HasMethodScope]
    scopes = {"GET": ["hubs:read"]}

    class Pagination(CursorPagination):
        ordering = "code"

    pagination_class = Pagination

    @extend_schema(
        operation_id="warehouses_list",
        summary="List the warehouses",
        responses=WarehouseOutput(many=True),
        tags=["warehousing"],
        parameters=[
            HUB_PARAMETER,
            OpenApiParameter(
                "bonded",
                str,
                enum=["true", "false"],
                description="Only bonded (true) or only other (false) warehouses.",
            ),
        ],
    )
    def get(self, request):
        hub = hub_of_query(request)
        bonded = query_choice(request, "bonded", ["true", "false"])
        warehouses = Warehouse.objects.filter(is_active=True).select_related("hub")
        if hub is not None:
            warehouses = warehouses.filter(hub=hub)
        if bonded is not None:
            warehouses = warehouses.filter(is_bonded=bonded == "true")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(warehouses, request, view=self)
        return paginator.get_paginated_response(WarehouseOutput(page, many=True).data)
