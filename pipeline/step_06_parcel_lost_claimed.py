"""Step 6, a failure path: a parcel is lost or damaged on the way (the destination's operators
report it) → the buyer's claim: the value of the goods in that parcel goes back from escrow
to the payer's bank, and the order goes on with its other parcels (it is delivered when
those are). When nothing of the order is left coming, the whole of escrow is refunded and the
order is refunded. A disputed order's money is the officer's to decide."""

from decimal import Decimal

from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order
from hubs.selectors import order_by_id, order_locked
from logistics.events import ParcelLost
from logistics.selectors import parcel_items_of, parcels_coming_any
from payments.services.escrow import CLAIMABLE, escrow_claim_refund, escrow_refund

from .notify import buyer_notify
from .step_06_delivered import all_delivered_already


@subscribe("logistics.parcel_lost", name="pipeline.parcel_lost_claimed")
def parcel_lost_claimed(event: ParcelLost) -> None:
    # locked first: two parcels of the order lost at once count each other's loss
    order = order_locked(order_id=event.order_id)
    if order.status not in CLAIMABLE:
        return  # disputed, refunded already, or settled: nothing to take back here
    reason = order_words.reason_record(
        order_words.CLAIM, waybill=event.waybill, detail=event.reason
    )[:200]
    # nothing left coming (the others returned or lost too): all back
    if order.status == Order.Status.SHIPPED and not parcels_coming_any(order=order):
        escrow_refund(order=order, actor_label="pipeline", reason=reason)
        buyer_notify(order, "refunded", reason)
        return
    share = _share_of_order(order, event.parcel_id)
    if share <= 0:
        return  # an empty parcel: nothing of value was lost
    escrow_claim_refund(
        order=order,
        share=share,
        claim=f"parcel:{event.parcel_id}",
        actor_label="pipeline",
        reason=reason,
    )
    buyer_notify(order, "refunded", reason)
    all_delivered_already(order_by_id(order_id=order.pk))  # the rest may all be delivered


def _share_of_order(order: Order, parcel_id: int) -> Decimal:
    """The part of the order's value that travelled in the parcel (its items at the prices
    the buyer paid)."""
    value = sum(
        (
            item.order_line.unit_price.amount * item.quantity
            for item in parcel_items_of(parcel_ids=[parcel_id])
        ),
        Decimal(0),
    )
    return min(value / order.total.amount, Decimal(1))
