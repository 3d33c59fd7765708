"""Step 5, when the import tariff has no line in force for an item: the declaration waits for
the destination's officers to classify it (customs CLASSIFY). Seller and buyer are told why
the goods wait, and again when customs has classified them and the declaration goes on."""

from customs.events import ClassificationDecided, ClassificationNeeded
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs.models import Order
from hubs.selectors import member_emails

from .notify import buyer_notify


@subscribe("customs.classification_needed", name="pipeline.classification_needed")
def classification_needed(event: ClassificationNeeded) -> None:
    order = _order(event.order_id)
    if order is None:
        return
    buyer_notify(order, "classifying", event.reason)
    _tell_seller(order, "waits for customs classification", event.reason)


@subscribe("customs.classification_decided", name="pipeline.classification_decided")
def classification_decided(event: ClassificationDecided) -> None:
    order = _order(event.order_id)
    if order is None:
        return
    buyer_notify(order, "classified", event.reason)
    _tell_seller(order, "classified by customs", event.reason)


def _order(order_id: int | None) -> Order | None:
    if order_id is None:
        return None
    return Order.objects.select_related("destination_hub").filter(pk=order_id).first()


def _tell_seller(order: Order, what: str, reason: str) -> None:
    email_after_commit(
        to=member_emails(organization_id=order.seller_id),
        subject=f"eWTP Hub: order {order.reference}: import declaration {what}",
        body=f"Order {order.reference} at {order.destination_hub.code}: {reason}",
    )
