"""Reserving a warehouse's units for an order and giving them back.

The lots of the ordered products are locked in one statement, in (product, expiry, id)
order, so two orders never deadlock and a concurrent order for the last units waits for the
first and then sees what it left. Units are taken first-expiring-first. The database's own
check (reserved never above on hand) is the last word: a race can fail, never oversell.
"""

from django.db.models import F
from django.utils.translation import gettext as _

from ewtp.common.errors import ConflictError

from ..errors import WarehousingErrorCode
from ..models import Fulfilment, Reservation, StockLot, Warehouse
from ..selectors.stock import sellable


def _lots_locked(warehouse: Warehouse, product_ids) -> dict[int, list[StockLot]]:
    lots: dict[int, list[StockLot]] = {}
    rows = (
        StockLot.objects.select_for_update()
        .filter(warehouse=warehouse, product_id__in=sorted(set(product_ids)), on_hand__gt=0)
        .filter(sellable())
        .order_by("product_id", F("expires_on").asc(nulls_last=True), "id")
    )
    for lot in rows:
        lots.setdefault(lot.product_id, []).append(lot)
    return lots


def stock_reserve(*, fulfilment: Fulfilment, lines) -> list[Reservation]:
    """Claim ``lines`` (the order's OrderLines) from the fulfilment's warehouse; a 409
    naming the line when there are not enough units. Runs in the caller's transaction."""
    lots = _lots_locked(fulfilment.warehouse, [line.product_id for line in lines])
    claims, touched = [], {}
    for index, line in enumerate(lines):
        wanted = line.quantity
        for lot in lots.get(line.product_id, []):
            take = min(wanted, lot.available)
            if take <= 0:
                continue
            lot.reserved += take
            touched[lot.pk] = lot
            claims.append(
                Reservation(fulfilment=fulfilment, order_line=line, stock_lot=lot, quantity=take)
            )
            wanted -= take
            if not wanted:
                break
        if wanted:
            available = sum(lot.available for lot in lots.get(line.product_id, [])) + (
                line.quantity - wanted
            )
            raise ConflictError(
                _("Only %(stock)s of %(sku)s left in %(warehouse)s.")
                % {
                    "stock": available,
                    "sku": line.sku,
                    "warehouse": fulfilment.warehouse.name,
                },
                WarehousingErrorCode.OUT_OF_STOCK,
                extra={"field": f"lines.{index}.quantity"},
            )
    StockLot.objects.bulk_update(touched.values(), ["reserved"])
    return Reservation.objects.bulk_create(claims)


def stock_unreserve(*, fulfilment: Fulfilment) -> None:
    """Put a fulfilment's claimed units back on the shelf (the order will not be served)."""
    claims = list(fulfilment.claims.all())
    lots = {
        lot.pk: lot
        for lot in StockLot.objects.select_for_update()
        .filter(pk__in=sorted({c.stock_lot_id for c in claims}))
        .order_by("product_id", F("expires_on").asc(nulls_last=True), "id")
    }
    for claim in claims:
        lots[claim.stock_lot_id].reserved -= claim.quantity
    StockLot.objects.bulk_update(lots.values(), ["reserved"])


def stock_take_out(*, fulfilment: Fulfilment) -> dict[int, StockLot]:
    """The picked units leave the shelf: on hand and reserved both fall by the claims."""
    claims = list(fulfilment.claims.all())
    lots = {
        lot.pk: lot
        for lot in StockLot.objects.select_for_update()
        .filter(pk__in=sorted({c.stock_lot_id for c in claims}))
        .order_by("product_id", F("expires_on").asc(nulls_last=True), "id")
    }
    for claim in claims:
        lot = lots[claim.stock_lot_id]
        lot.reserved -= claim.quantity
        lot.on_hand -= claim.quantity
    StockLot.objects.bulk_update(lots.values(), ["reserved", "on_hand"])
    return lots
