"""Step 1: an order is placed → the buyer is asked to pay.

The order moves to "awaiting payment"; its payment window (ORDER_PAYMENT_WINDOW) is already
running and the expiry sweep ends it if no payment arrives. Creating the payment intent in
the ledger joins this step when the payments app provides it.
"""

from ewtp.common.outbox import subscribe
from hubs.events import OrderPlaced
from hubs.models import Order
from hubs.services.orders import order_transition


@subscribe("hubs.order_placed", name="pipeline.payment_requested")
def payment_requested(event: OrderPlaced) -> None:
    order = Order.objects.get(pk=event.order_id)
    if order.status != Order.Status.PLACED:
        return  # cancelled or expired before this step ran, or already past it
    order_transition(
        order=order,
        to=Order.Status.AWAITING_PAYMENT,
        actor_label="pipeline",
        reason="Payment requested from the buyer.",
    )
