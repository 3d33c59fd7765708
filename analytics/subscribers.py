"""Analytics hears of the journey through the outbox like the pipeline does: each event that
moves an order rebuilds its facts (an order not shipped yet has none)."""

from customs.events import DeclarationDecided
from ewtp.common.outbox import subscribe
from hubs.events import OrderStatusChanged
from logistics.events import FlightArrived, ParcelDelivered

from .services.customs import customs_decision_count
from .services.facts import trade_facts_refresh

# statuses an order reaches only before it ships: it has no facts yet, nothing to rebuild
BEFORE_EXPORT = {"placed", "awaiting_payment", "paid", "in_customs", "cancelled", "expired"}


@subscribe("hubs.order_status_changed", name="analytics.order_moved")
def order_moved(event: OrderStatusChanged) -> None:
    if event.to_status not in BEFORE_EXPORT:
        trade_facts_refresh(order_id=event.order_id)


@subscribe("customs.declaration_decided", name="analytics.declaration_decided")
def declaration_decided(event: DeclarationDecided) -> None:
    customs_decision_count(declaration_id=event.declaration_id, status=event.status)
    if event.order_id is not None:
        trade_facts_refresh(order_id=event.order_id)


@subscribe("logistics.flight_arrived", name="analytics.flight_arrived")
def flight_arrived(event: FlightArrived) -> None:
    for order_id in event.order_ids:
        trade_facts_refresh(order_id=order_id)


@subscribe("logistics.parcel_delivered", name="analytics.parcel_delivered")
def parcel_delivered(event: ParcelDelivered) -> None:
    trade_facts_refresh(order_id=event.order_id)
