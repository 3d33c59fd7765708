"""Step 4: the flight carrying the order's parcels departed → the order is shipped."""

from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order
from hubs.selectors import orders_in_status
from hubs.services.orders import order_transition
from logistics.events import FlightDeparted
from logistics.selectors import flight_by_id

from .notify import buyer_notify
from .step_06_delivered import all_delivered_already


@subscribe("logistics.flight_departed", name="pipeline.shipped")
def shipped(event: FlightDeparted) -> None:
    flight = flight_by_id(flight_id=event.flight_id)
    for order in orders_in_status(order_ids=event.order_ids, status=Order.Status.IN_CUSTOMS):
        order = order_transition(
            order=order,
            to=Order.Status.SHIPPED,
            actor_label="pipeline",
            reason=order_words.reason_record(
                order_words.DEPARTED, flight=flight.number, mawb=flight.master_waybill_display
            ),
        )
        buyer_notify(order, "departed", f"Flight {flight.number} to {flight.eroad.destination}.")
        all_delivered_already(order)  # events of later steps may be delivered before this
