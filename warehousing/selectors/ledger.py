"""The bonded ledger as customs reads it: per SKU over a period, the opening balance, what
came in, was released, returned, adjusted and destroyed, the closing balance, and (for a
period that runs to now) the units physically on the shelves and the difference."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, Sum
from django.utils import timezone

from hubs.selectors import products_by_ids

from ..models import LedgerEntry, StockLot, Warehouse

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
    physical: int | None  # None for a period that ended before now

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
    def difference(self) -> int | None:
        """Closing balance less what is on the shelves: zero when the books hold."""
        return None if self.physical is None else self.closing - self.physical


def _sum(movement=None, **window):
    condition = Q(**window)
    if movement is not None:
        condition &= Q(movement=movement)
    return Sum("quantity", filter=condition, default=0)


def bonded_ledger(
    *, warehouse: Warehouse, start: datetime, end: datetime | None = None
) -> list[LedgerRow]:
    """Per SKU of the warehouse over [start, end) (end: now when None). Three queries."""
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
    physical = {}
    if end >= now:
        physical = {
            row["product_id"]: row["units"]
            for row in StockLot.objects.filter(warehouse=warehouse)
            .values("product_id")
            .annotate(units=Sum("on_hand"))
        }
    products = products_by_ids(ids=set(sums) | set(physical))
    rows = [
        LedgerRow(
            product=products[product_id],
            opening=sums.get(product_id, {}).get("opening", 0),
            came_in=sums.get(product_id, {}).get("came_in", 0),
            released=sums.get(product_id, {}).get("released", 0),
            returned=sums.get(product_id, {}).get("returned", 0),
            adjusted=sums.get(product_id, {}).get("adjusted", 0),
            destroyed=sums.get(product_id, {}).get("destroyed", 0),
            physical=physical.get(product_id, 0) if end >= now else None,
        )
        for product_id in set(sums) | set(physical)
    ]
    return sorted(rows, key=lambda r: (r.product.seller_id, r.product.sku))
