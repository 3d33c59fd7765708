"""The bonded ledger as customs reads it: per SKU over a period, the opening balance, what
came in, was released, returned, adjusted and destroyed, and the closing balance; for a
period that runs to now, the closing balance reconciled with the warehouse's shelf records.

The shelf records (``StockLot.on_hand``) are written in the same transactions as the ledger,
so comparing the two proves the books agree with each other, not with the shelves: the
shelves are checked by cycle counts, and a count's difference that waits for an officer
keeps its SKU from reconciling until it is decided. Two things stand between the figures:

- units released by customs but not yet picked are off the ledger (written off by their
  release) and still on the shelf records (picking takes them off);
- a count's difference that waits for an officer is on neither yet."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, Sum
from django.utils import timezone

from hubs.selectors import products_by_ids

from ..models import Adjustment, Fulfilment, LedgerEntry, Reservation, StockLot, Warehouse

Movement = LedgerEntry.Movement


@dataclass(frozen=True)
class LedgerRow:
    product: object  # hubs.models.Product
    opening: int
    came_in: int
    released: int  # negative: out of the bonded area
    returned: int
    adjusted: int
    destroyed: int  # negative
    # for a period that runs to now (None for one that ended before): the units on the
    # shelf records, those of them released and awaiting their pick, and the signed sum of
    # the count differences that wait for an officer
    physical: int | None
    awaiting_pick: int | None = None
    counted_pending: int | None = None

    @property
    def closing(self) -> int:
        return (
            self.opening
            + self.came_in
            + self.released
            + self.returned
            + self.adjusted
            + self.destroyed
        )

    @property
    def under_bond(self) -> int | None:
        """The units the shelf records hold under bond: all of them but those released and
        awaiting their pick."""
        return None if self.physical is None else self.physical - (self.awaiting_pick or 0)

    @property
    def difference(self) -> int | None:
        """Closing balance less the units under bond on the shelf records: zero when the
        books hold."""
        return None if self.physical is None else self.closing - self.under_bond

    @property
    def reconciles(self) -> bool | None:
        """No difference and no count difference waiting for an officer."""
        if self.physical is None:
            return None
        return self.difference == 0 and not self.counted_pending


def _sum(movement=None, **window):
    condition = Q(**window)
    if movement is not None:
        condition &= Q(movement=movement)
    return Sum("quantity", filter=condition, default=0)


def _per_product(rows, key: str = "product_id") -> dict[int, int]:
    return {row[key]: row["units"] for row in rows}


def _shelf_figures(warehouse: Warehouse) -> tuple[dict, dict, dict]:
    """Per product: on the shelf records, released and awaiting pick, counted and awaiting
    an officer. Three queries (the queue indexes of fulfilments and adjustments serve the
    last two)."""
    physical = _per_product(
        StockLot.objects.filter(warehouse=warehouse)
        .values("product_id")
        .annotate(units=Sum("on_hand"))
    )
    awaiting_pick = _per_product(
        Reservation.objects.filter(
            fulfilment__warehouse=warehouse, fulfilment__status=Fulfilment.Status.RELEASED
        )
        .values("stock_lot__product_id")
        .annotate(units=Sum("quantity")),
        "stock_lot__product_id",
    )
    counted_pending = _per_product(
        Adjustment.objects.filter(
            status=Adjustment.Status.REQUESTED,
            kind=Adjustment.Kind.COUNT,
            stock_lot__warehouse=warehouse,
        )
        .values("stock_lot__product_id")
        .annotate(units=Sum("quantity")),
        "stock_lot__product_id",
    )
    return physical, awaiting_pick, counted_pending


def bonded_ledger(
    *, warehouse: Warehouse, start: datetime, end: datetime | None = None
) -> list[LedgerRow]:
    """Per SKU of the warehouse over [start, end) (end: now when None). Five queries for a
    period that runs to now (the ledger's sums, the three shelf figures, the products), two
    for one that ended before, however many SKUs."""
    now = timezone.now()
    end = end or now
    in_period = {"created_at__gte": start, "created_at__lt": end}
    sums = {
        row["product_id"]: row
        for row in LedgerEntry.objects.filter(warehouse=warehouse, created_at__lt=end)
        .values("product_id")
        .annotate(
            opening=_sum(created_at__lt=start),
            came_in=_sum(Movement.IN, **in_period),
            released=_sum(Movement.RELEASED, **in_period),
            returned=_sum(Movement.RETURNED, **in_period),
            adjusted=_sum(Movement.ADJUSTED, **in_period),
            destroyed=_sum(Movement.DESTROYED, **in_period),
        )
    }
    current = end >= now
    physical, awaiting_pick, counted_pending = _shelf_figures(warehouse) if current else ({},) * 3
    product_ids = set(sums) | set(physical) | set(awaiting_pick) | set(counted_pending)
    products = products_by_ids(ids=product_ids)
    rows = []
    for product_id in product_ids:
        ledger = sums.get(product_id, {})
        rows.append(
            LedgerRow(
                product=products[product_id],
                opening=ledger.get("opening", 0),
                came_in=ledger.get("came_in", 0),
                released=ledger.get("released", 0),
                returned=ledger.get("returned", 0),
                adjusted=ledger.get("adjusted", 0),
                destroyed=ledger.get("destroyed", 0),
                physical=physical.get(product_id, 0) if current else None,
                awaiting_pick=awaiting_pick.get(product_id, 0) if current else None,
                counted_pending=counted_pending.get(product_id, 0) if current else None,
            )
        )
    return sorted(rows, key=lambda r: (r.product.seller_id, r.product.sku))
