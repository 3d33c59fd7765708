"""Analytics hears of the journey through the outbox like the pipeline does: each event that
moves an order rebuilds its facts (an order not shipped yet has none).

The handlers take the outbox's batches (``many=True``): a rebuild reads the order's present
state, so an order named by several events of one batch is rebuilt once, after which it is
what one rebuild per event would have left."""

from customs.events import DeclarationDecided
from ewtp.common.outbox import subscribe
from hubs.events import OrderStatusChanged
from logistics.events import FlightArrived, ParcelDelivered

from .services.customs import customs_decisions_count
from .services.facts import trade_facts_refresh_many

# statuses an order reaches only before it ships: it has no facts yet, nothing to rebuild
BEFORE_EXPORT = {"placed", "awaiting_payment", "paid", "in_customs", "cancelled", "expired"}


@subscribe(
    "hubs.order_status_changed",
    name="analytics.order_moved",
    many=True,
    when=lambda event: event.to_status not in BEFORE_EXPORT,
)
def order_moved(events: list[OrderStatusChanged]) -> None:
    trade_facts_refresh_many(order_ids=(event.order_id for event in events))


@subscribe("customs.declaration_decided", name="analytics.declaration_decided", many=True)
def declaration_decided(events: list[DeclarationDecided]) -> None:
    # each decision counts, even two of one declaration
    customs_decisions_count(decisions=[(event.declaration_id, event.status) for event in events])
    trade_facts_refresh_many(
        order_ids=(event.order_id for event in events if event.order_id is not None)
    )


@subscribe("logistics.flight_arrived", name="analytics.flight_arrived", many=True)
def flight_arrived(events: list[FlightArrived]) -> None:
    trade_facts_refresh_many(
        order_ids=(order_id for event in events for order_id in event.order_ids)
    )


@subscribe("logistics.parcel_delivered", name="analytics.parcel_delivered", many=True)
def parcel_delivered(events: list[ParcelDelivered]) -> None:
    trade_facts_refresh_many(order_ids=(event.order_id for event in events))
