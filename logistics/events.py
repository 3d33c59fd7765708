"""Facts the logistics app records in the outbox for the layers above it (the pipeline moves
the order, customs hears of a weight mismatch)."""

from dataclasses import dataclass

from ewtp.common.outbox import event_type


@event_type("logistics.parcel_received")
@dataclass(frozen=True)
class ParcelReceived:
    parcel_id: int
    order_id: int
    waybill: str


@event_type("logistics.parcel_weight_mismatch")
@dataclass(frozen=True)
class ParcelWeightMismatch:
    parcel_id: int
    order_id: int
    waybill: str
    declared_kg: str  # decimals as text: payloads are JSON
    measured_kg: str


@event_type("logistics.flight_departed")
@dataclass(frozen=True)
class FlightDeparted:
    flight_id: int
    order_ids: list


@event_type("logistics.flight_arrived")
@dataclass(frozen=True)
class FlightArrived:
    flight_id: int
    order_ids: list


@event_type("logistics.parcel_delivered")
@dataclass(frozen=True)
class ParcelDelivered:
    parcel_id: int
    order_id: int
    waybill: str


@event_type("logistics.parcel_returned")
@dataclass(frozen=True)
class ParcelReturned:
    parcel_id: int
    order_id: int
    waybill: str
    reason: str


@event_type("logistics.parcel_lost")
@dataclass(frozen=True)
class ParcelLost:
    """Lost or damaged after it left the origin floor: the buyer's claim."""

    parcel_id: int
    order_id: int
    waybill: str
    reason: str
