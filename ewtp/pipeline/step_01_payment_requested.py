"""Step 1: an order is placed → the buyer is asked to pay.

A payment intent for the order's total is opened (payments), and the order moves to
"awaiting payment". Its payment window (ORDER_PAYMENT_WINDOW) is already running: the expiry
sweep ends the order if the money does not arrive.
"""

from ewtp.common.outbox import subscribe
from hubs.events import OrderPlaced
from hubs.models import Order
from hubs.services.orders import order_transition
from payments.services.intents import payment_intent_open


@subscribe("hubs.order_placed", name="pipeline.payment_requested")
def payment_requested(event: OrderPlaced) -> None:
    order = Order.objects.get(pk=event.order_id)
    if order.status != Order.Status.PLACED:
        return  # cancelled or expired before this step ran, or already past it
    payment_intent_open(order=order)
    order_transition(
        order=order,
        to=Order.Status.AWAITING_PAYMENT,
        actor_label="pipeline",
        reason="Payment requested from the buyer.",
    )
