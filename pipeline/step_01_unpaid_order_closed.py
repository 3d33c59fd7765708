"""Failure path of step 1: an order cancelled or expired before it was paid → whatever part of
the payment arrived goes back to the payer's bank, and nothing more is accepted."""

from ewtp.common.outbox import subscribe
from hubs.events import OrderStatusChanged
from hubs.models import Order
from hubs.selectors import order_by_id
from payments.services.intents import payment_intent_close


@subscribe(
    "hubs.order_status_changed",
    name="pipeline.unpaid_order_closed",
    when=lambda event: event.to_status in Order.RELEASES_STOCK,
)
def unpaid_order_closed(event: OrderStatusChanged) -> None:
    payment_intent_close(order=order_by_id(order_id=event.order_id))
