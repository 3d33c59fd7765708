"""Facts the warehousing app records in the outbox for the layers above it."""

from dataclasses import dataclass

from ewtp.common.outbox import event_type


@event_type("warehousing.inbound_received")
@dataclass(frozen=True)
class InboundReceived:
    """A seller's inbound shipment was counted in; ``discrepancies`` lines differed from the
    notice (the seller is told)."""

    shipment_id: int
    seller_id: int
    discrepancies: int


@event_type("warehousing.fulfilment_dispatched")
@dataclass(frozen=True)
class FulfilmentDispatched:
    """An order's goods were picked from stock, packed and handed to the domestic courier."""

    fulfilment_id: int
    order_id: int
    waybill: str


@event_type("warehousing.fulfilment_delivered")
@dataclass(frozen=True)
class FulfilmentDelivered:
    fulfilment_id: int
    order_id: int


@event_type("warehousing.fulfilment_returned")
@dataclass(frozen=True)
class FulfilmentReturned:
    """A consumer's goods came back into stock within the return window; ``declaration``:
    the retail import they were released under (empty for stock that is not bonded)."""

    fulfilment_id: int
    order_id: int
    declaration: str
