"""Reads of the warehousing app: what the other apps, the pages and the API ask of it."""

from .ledger import LedgerRow, bonded_ledger
from .stock import (
    StockRow,
    availability_by_warehouse,
    fulfilment_at_hub,
    fulfilment_events_of_order,
    fulfilment_of_order,
    fulfilments_of_warehouse,
    fulfilments_packed,
    fulfilments_to_pick,
    stock_lot_by_id,
    stock_lots_of,
    stock_report,
    units_claimed_by_hs,
)
from .warehouses import (
    adjustment_at_hub,
    adjustments_awaiting,
    inbound_of_seller,
    inbound_shipment_of,
    inbound_waiting,
    warehouse_by_code,
    warehouses_at,
    warehouses_for_seller,
)

__all__ = [
    "LedgerRow",
    "StockRow",
    "adjustment_at_hub",
    "adjustments_awaiting",
    "availability_by_warehouse",
    "bonded_ledger",
    "fulfilment_at_hub",
    "fulfilment_events_of_order",
    "fulfilment_of_order",
    "fulfilments_of_warehouse",
    "fulfilments_packed",
    "fulfilments_to_pick",
    "inbound_of_seller",
    "inbound_shipment_of",
    "inbound_waiting",
    "stock_lot_by_id",
    "stock_lots_of",
    "stock_report",
    "units_claimed_by_hs",
    "warehouse_by_code",
    "warehouses_at",
    "warehouses_for_seller",
]
