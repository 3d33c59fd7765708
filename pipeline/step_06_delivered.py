"""Step 6: the last of the order's parcels is delivered → the order is delivered, which starts
the buyer's confirmation window (payments releases escrow when it ends without a dispute)."""

from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order
from hubs.selectors import order_by_id
from hubs.services.orders import order_transition
from logistics.events import ParcelDelivered
from logistics.selectors import parcels_coming_all_delivered

from .notify import buyer_notify
from .step_06_window_paused_on_hold import window_follow_holds


@subscribe("logistics.parcel_delivered", name="pipeline.delivered")
def delivered(event: ParcelDelivered) -> None:
    all_delivered_already(order_by_id(order_id=event.order_id))


def all_delivered_already(order: Order) -> None:
    """Deliver a shipped order once every parcel that is coming has been delivered (also
    called when the order ships, in case a delivery's event came first)."""
    if order.status != Order.Status.SHIPPED:
        return  # disputed, refunded, not shipped yet, or delivered already (a repeat)
    if not parcels_coming_all_delivered(order=order):
        return  # the others are still on their way (a returned or lost one is not coming)
    order = order_transition(
        order=order,
        to=Order.Status.DELIVERED,
        actor_label="pipeline",
        reason=order_words.DELIVERED,
    )
    window_follow_holds(order)
    buyer_notify(order, "delivered")
