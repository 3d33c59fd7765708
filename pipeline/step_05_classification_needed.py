"""Step 5, when the import tariff has no line in force for an item: the declaration waits for
the destination's officers to classify it (customs CLASSIFY). Seller and buyer are told why
the goods wait, and again when customs has classified them and the declaration goes on."""

from customs.events import ClassificationDecided, ClassificationNeeded
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs.models import Order
from hubs.selectors import member_emails, order_by_id

from .notify import buyer_notify


@subscribe("customs.classification_needed", name="pipeline.classification_needed")
def classification_needed(event: ClassificationNeeded) -> None:
    _tell_parties(event, "classifying", "waits for customs classification")


@subscribe("customs.classification_decided", name="pipeline.classification_decided")
def classification_decided(event: ClassificationDecided) -> None:
    _tell_parties(event, "classified", "classified by customs")


def _tell_parties(
    event: ClassificationNeeded | ClassificationDecided, milestone: str, what: str
) -> None:
    """The buyer hears of the ``milestone``, the seller that the import declaration is
    ``what``: both with customs' reason. A declaration filed for no order tells nobody."""
    if event.order_id is None:
        return
    try:
        order = order_by_id(order_id=event.order_id)
    except Order.DoesNotExist:
        return
    buyer_notify(order, milestone, event.reason)
    _tell_seller(order, what, event.reason)


def _tell_seller(order: Order, what: str, reason: str) -> None:
    email_after_commit(
        to=member_emails(organization_id=order.seller_id),
        subject=f"eWTP Hub: order {order.reference}: import declaration {what}",
        body=f"Order {order.reference} at {order.destination_hub.code}: {reason}",
    )
