"""Step 6 for an order served from stock: the courier's delivered scan → the order is
delivered, which starts the buyer's confirmation window, as for a flown parcel."""

from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order
from hubs.selectors import order_by_id
from hubs.services.orders import order_transition
from warehousing.events import FulfilmentDelivered

from .notify import buyer_notify
from .step_06_window_paused_on_hold import window_follow_holds


@subscribe("warehousing.fulfilment_delivered", name="pipeline.delivered_from_stock")
def delivered_from_stock(event: FulfilmentDelivered) -> None:
    order = order_by_id(order_id=event.order_id)
    if order.status != Order.Status.SHIPPED:
        return  # disputed or refunded meanwhile, or delivered already (a repeat)
    order = order_transition(
        order=order, to=Order.Status.DELIVERED, actor_label="pipeline", reason=order_words.DELIVERED
    )
    window_follow_holds(order)
    buyer_notify(order, "delivered")
