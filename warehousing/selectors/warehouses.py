"""Warehouses, inbound shipments and the adjustments that wait for an officer."""

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, Sum

from ewtp.common.errors import NotFoundError

from ..errors import WarehousingErrorCode
from ..models import Adjustment, InboundShipment, Warehouse


def warehouses_at(*, hub_id: int | None = None, bonded: bool | None = None) -> list[Warehouse]:
    rows = Warehouse.objects.filter(is_active=True).select_related("hub")
    if hub_id is not None:
        rows = rows.filter(hub_id=hub_id)
    if bonded is not None:
        rows = rows.filter(is_bonded=bonded)
    return list(rows)


def warehouses_for_seller(*, seller) -> list[Warehouse]:
    """Where a seller may send stock: the active warehouses at the hubs its e-roads reach."""
    return list(
        Warehouse.objects.filter(
            is_active=True,
            hub__eroads_in__origin_id=seller.home_hub_id,
            hub__eroads_in__is_active=True,
        )
        .select_related("hub")
        .distinct()
    )


def warehouse_by_code(*, code: str) -> Warehouse:
    try:
        return Warehouse.objects.select_related("hub").get(code=code.upper(), is_active=True)
    except Warehouse.DoesNotExist:
        raise NotFoundError(
            f"No warehouse {code}.", WarehousingErrorCode.WAREHOUSE_UNKNOWN
        ) from None


def inbound_of_seller(*, seller_id: int, limit: int = 100) -> list[InboundShipment]:
    """A seller's shipments, newest first, with their lines' totals (one query)."""
    return list(
        InboundShipment.objects.filter(seller_id=seller_id)
        .select_related("warehouse__hub")
        .annotate(
            units_expected=Sum("lines__quantity_expected"),
            units_received=Sum("lines__quantity_received"),
            line_count=Count("lines"),
            discrepancies=Count(
                "lines",
                filter=Q(lines__quantity_received__isnull=False)
                & (
                    ~Q(lines__quantity_received=F("lines__quantity_expected"))
                    | Q(lines__quantity_damaged__gt=0)
                ),
            ),
        )[:limit]
    )


def inbound_shipment_of(*, public_id, seller_id: int | None = None, hub_id: int | None = None):
    """One shipment with its lines, as its seller (``seller_id``) or the operators and
    officers of its hub (``hub_id``) see it; a 404 for anyone else."""
    rows = InboundShipment.objects.select_related("warehouse__hub", "seller").prefetch_related(
        "lines__product", "lines__location"
    )
    scope = Q()
    if seller_id is not None:
        scope |= Q(seller_id=seller_id)
    if hub_id is not None:
        scope |= Q(warehouse__hub_id=hub_id)
    try:
        return rows.filter(scope).get(public_id=public_id) if scope else rows.none().get()
    except (InboundShipment.DoesNotExist, ValueError):
        raise NotFoundError("No such shipment.", WarehousingErrorCode.INBOUND_INVALID) from None


def adjustments_awaiting(*, hub_id: int) -> list[Adjustment]:
    return list(
        Adjustment.objects.filter(
            status=Adjustment.Status.REQUESTED, stock_lot__warehouse__hub_id=hub_id
        ).select_related(
            "stock_lot__product", "stock_lot__location", "stock_lot__warehouse", "requested_by"
        )
    )


def inbound_waiting(*, warehouse_id: int) -> list[InboundShipment]:
    """The warehouse's shipments booked or at the dock, the soonest expected first, with
    their lines' totals (one query)."""
    return list(
        InboundShipment.objects.filter(
            warehouse_id=warehouse_id,
            status__in=[InboundShipment.Status.BOOKED, InboundShipment.Status.ARRIVED],
        )
        .select_related("seller")
        .annotate(units_expected=Sum("lines__quantity_expected"), line_count=Count("lines"))
        .order_by("expected_on", "id")[:200]
    )


def adjustment_at_hub(*, public_id, hub_id: int) -> Adjustment | None:
    """An adjustment of a warehouse at ``hub_id`` (an officer's), None for any other."""
    try:
        return (
            Adjustment.objects.select_related("stock_lot__warehouse")
            .filter(public_id=public_id, stock_lot__warehouse__hub_id=hub_id)
            .first()
        )
    except (ValueError, ValidationError):
        return None
