"""Stock as the seller, the channels and the warehouse read it."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q, Sum
from django.utils import timezone

from ewtp.common.errors import NotFoundError
from hubs.models import Order

from ..errors import WarehousingErrorCode
from ..models import (
    Fulfilment,
    FulfilmentEvent,
    InboundLine,
    InboundShipment,
    Reservation,
    StockLot,
    Warehouse,
)

# how far back the sales that measure days of cover go
COVER_WINDOW_DAYS = 30


def sellable() -> Q:
    """Lots whose units may be sold today: none that has expired."""
    return Q(expires_on__isnull=True) | Q(expires_on__gt=timezone.localdate())


@dataclass(frozen=True)
class StockRow:
    warehouse: Warehouse
    product: object  # hubs.models.Product
    on_hand: int
    reserved: int
    in_transit: int  # booked or arrived, not yet counted in
    sold: int  # units dispatched over the last COVER_WINDOW_DAYS days

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def days_of_cover(self) -> Decimal | None:
        """How many days the available units last at the window's rate of sale; None when
        nothing sold (no rate to measure by)."""
        if not self.sold:
            return None
        daily = Decimal(self.sold) / COVER_WINDOW_DAYS
        return (Decimal(self.available) / daily).quantize(Decimal("0.1"), ROUND_HALF_UP)


def stock_report(*, seller, warehouse_id: int | None = None) -> list[StockRow]:
    """Per warehouse and SKU: on hand, reserved, in transit and days of cover. Four queries,
    however many SKUs."""
    scope = {"seller_id": seller.pk}
    if warehouse_id is not None:
        scope["warehouse_id"] = warehouse_id
    on_shelf = {
        (row["warehouse_id"], row["product_id"]): row
        for row in StockLot.objects.filter(**scope)
        .values("warehouse_id", "product_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    }
    transit_scope = {"shipment__seller_id": seller.pk}
    if warehouse_id is not None:
        transit_scope["shipment__warehouse_id"] = warehouse_id
    coming = {
        (row["shipment__warehouse_id"], row["product_id"]): row["units"]
        for row in InboundLine.objects.filter(
            shipment__status__in=[InboundShipment.Status.BOOKED, InboundShipment.Status.ARRIVED],
            **transit_scope,
        )
        .values("shipment__warehouse_id", "product_id")
        .annotate(units=Sum("quantity_expected"))
    }
    since = timezone.now() - timedelta(days=COVER_WINDOW_DAYS)
    sold_scope = {"fulfilment__order__seller_id": seller.pk}
    if warehouse_id is not None:
        sold_scope["fulfilment__warehouse_id"] = warehouse_id
    sold = {
        (row["fulfilment__warehouse_id"], row["stock_lot__product_id"]): row["units"]
        for row in Reservation.objects.filter(fulfilment__dispatched_at__gte=since, **sold_scope)
        .exclude(fulfilment__status=Fulfilment.Status.RETURNED)
        .values("fulfilment__warehouse_id", "stock_lot__product_id")
        .annotate(units=Sum("quantity"))
    }
    keys = set(on_shelf) | set(coming)
    products = {p.pk: p for p in seller.products.filter(pk__in={k[1] for k in keys})}
    warehouses = {
        w.pk: w for w in Warehouse.objects.filter(pk__in={k[0] for k in keys}).select_related("hub")
    }
    rows = [
        StockRow(
            warehouse=warehouses[w],
            product=products[p],
            on_hand=on_shelf.get((w, p), {}).get("on_hand") or 0,
            reserved=on_shelf.get((w, p), {}).get("reserved") or 0,
            in_transit=coming.get((w, p), 0),
            sold=sold.get((w, p), 0),
        )
        for w, p in keys
    ]
    return sorted(rows, key=lambda r: (r.warehouse.code, r.product.sku))


def availability_by_warehouse(*, product_ids) -> dict[int, list[tuple[Warehouse, int]]]:
    """product id → [(warehouse, units a new order can have)], the warehouses with any. One
    query for the units, one for the warehouses."""
    rows = (
        StockLot.objects.filter(product_id__in=list(product_ids), warehouse__is_active=True)
        .filter(sellable())
        .values("product_id", "warehouse_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
        .filter(on_hand__gt=0)
    )
    rows = list(rows)
    warehouses = {
        w.pk: w
        for w in Warehouse.objects.filter(pk__in={r["warehouse_id"] for r in rows}).select_related(
            "hub"
        )
    }
    found: dict[int, list[tuple[Warehouse, int]]] = {}
    for row in rows:
        available = row["on_hand"] - row["reserved"]
        if available > 0:
            found.setdefault(row["product_id"], []).append(
                (warehouses[row["warehouse_id"]], available)
            )
    return found


def stock_lots_of(*, warehouse_id: int, product_id: int | None = None) -> list[StockLot]:
    rows = StockLot.objects.filter(warehouse_id=warehouse_id).select_related("product", "location")
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    return list(rows.order_by("location__code", "product__sku", "lot"))


def fulfilment_of_order(*, order_id: int) -> Fulfilment | None:
    return (
        Fulfilment.objects.select_related("warehouse__hub")
        .prefetch_related("events")
        .filter(order_id=order_id)
        .first()
    )


def fulfilments_of_warehouse(*, warehouse_id: int, status: str | None = None, limit: int = 200):
    rows = Fulfilment.objects.filter(warehouse_id=warehouse_id).select_related("order")
    if status:
        rows = rows.filter(status=status)
    return list(rows[:limit])


def stock_lot_by_id(*, lot_id: int, hub_id: int) -> StockLot:
    try:
        return StockLot.objects.select_related("warehouse", "product", "location").get(
            Q(pk=lot_id) & Q(warehouse__hub_id=hub_id)
        )
    except StockLot.DoesNotExist:
        raise NotFoundError("No such lot.", WarehousingErrorCode.OUT_OF_STOCK) from None


def units_claimed_by_hs(*, fulfilment_id: int) -> dict[str, int]:
    """HS code → units the warehouse reserved for the fulfilment (what goes under its
    waybill), as the order's lines classify them."""
    claimed: dict[str, int] = {}
    for hs_code, units in Reservation.objects.filter(fulfilment_id=fulfilment_id).values_list(
        "order_line__hs_code", "quantity"
    ):
        claimed[hs_code] = claimed.get(hs_code, 0) + units
    return claimed


def fulfilment_events_of_order(*, order_id: int) -> list[FulfilmentEvent]:
    """The warehouse's and the courier's scans of an order served from stock (one query)."""
    return list(
        FulfilmentEvent.objects.filter(fulfilment__order_id=order_id)
        .select_related("fulfilment__warehouse__hub")
        .order_by("at", "id")
    )


def fulfilment_at_hub(*, waybill: str, hub_id: int) -> Fulfilment | None:
    """The fulfilment under a courier's waybill at ``hub_id`` (an operator's), else None."""
    return (
        Fulfilment.objects.select_related("warehouse__hub", "order")
        .filter(waybill=waybill.strip().upper()[:20], warehouse__hub_id=hub_id)
        .first()
    )


def fulfilments_to_pick(*, warehouse, limit: int = 200) -> list[Fulfilment]:
    """The warehouse's pick list, the longest waiting first: orders customs released (bonded),
    or paid ones (stock that is not bonded waits "in customs" for its pick), each with its
    claims' lots and locations. Two queries, however many orders and claims."""
    waiting = Q(status=Fulfilment.Status.RELEASED)
    if not warehouse.is_bonded:
        waiting |= Q(status=Fulfilment.Status.RESERVED, order__status=Order.Status.IN_CUSTOMS)
    claims = Reservation.objects.select_related("stock_lot__location", "stock_lot__product")
    return list(
        Fulfilment.objects.filter(waiting, warehouse_id=warehouse.pk)
        .select_related("order")
        .prefetch_related(
            Prefetch("claims", queryset=claims.order_by("stock_lot__location__code", "id"))
        )
        .order_by("released_at", "created_at", "id")[:limit]
    )


def fulfilments_packed(*, warehouse_id: int, limit: int = 200) -> list[Fulfilment]:
    """Parcels packed and waiting for the courier, the longest waiting first (one query)."""
    return list(
        Fulfilment.objects.filter(warehouse_id=warehouse_id, status=Fulfilment.Status.PACKED)
        .select_related("order")
        .order_by("packed_at", "id")[:limit]
    )
