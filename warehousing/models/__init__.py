from .adjustments import Adjustment
from .inbound import InboundLine, InboundShipment
from .ledger import LedgerEntry
from .stock import Fulfilment, FulfilmentEvent, Reservation, StockLot
from .warehouses import Location, Warehouse

__all__ = [
    "Adjustment",
    "Fulfilment",
    "FulfilmentEvent",
    "InboundLine",
    "InboundShipment",
    "LedgerEntry",
    "Location",
    "Reservation",
    "StockLot",
    "Warehouse",
]
