"""Step 6: the last of the order's parcels is delivered → the order is delivered, which starts
the buyer's confirmation window (payments releases escrow when it ends without a dispute)."""

from ewtp.common.outbox import subscribe
from hubs.models import Order
from hubs.services.orders import order_transition
from logistics.events import ParcelDelivered
from logistics.models import Parcel

from .notify import buyer_notify


@subscribe("logistics.parcel_delivered", name="pipeline.delivered")
def delivered(event: ParcelDelivered) -> None:
    order = Order.objects.get(pk=event.order_id)
    if order.status != Order.Status.SHIPPED:
        return  # disputed, refunded, or delivered already (a repeated event)
    undelivered = Parcel.objects.filter(order=order).exclude(status=Parcel.Status.DELIVERED)
    if undelivered.exists():
        return  # the others are still on their way
    order = order_transition(
        order=order,
        to=Order.Status.DELIVERED,
        actor_label="pipeline",
        reason=f"Parcel {event.waybill} delivered: the buyer's confirmation window runs.",
    )
    buyer_notify(order, "delivered")
