"""The buyer hears of each milestone of its order (paid, cleared, departed, arrived,
delivered, refunded): by e-mail (the buying organisation's members, or the consumer), and as
an order.milestone webhook to the channel it ordered through. A notification that fails is
logged and never holds up the journey."""

import logging

from django.db import transaction
from django.db.models import Q

from ewtp.common.models import ApiClient
from ewtp.common.notifications import email_after_commit
from ewtp.common.webhooks import webhook_emit_to
from hubs.models import Order
from hubs.selectors import member_emails

logger = logging.getLogger(__name__)

MILESTONES = {
    "paid": "your payment arrived; it is held in escrow until you have the goods",
    "cleared": "export customs cleared the goods",
    "departed": "the goods are in the air",
    "arrived": "the goods landed; import customs is clearing them",
    "classifying": "import customs is classifying the goods before it assesses the duties",
    "classified": "import customs classified the goods; clearance goes on",
    "duties": "import duties and taxes were paid from escrow",
    "released": "customs released the goods from bonded stock; the warehouse is picking them",
    "dispatched": "the goods left the warehouse with the courier",
    "delivered": "the goods were delivered; confirm receipt or open a dispute",
    "refunded": "money was refunded to you",
}


def buyer_notify(order: Order, milestone: str, detail: str = "") -> None:
    try:
        with transaction.atomic():  # a failed write must not abort the step's transaction
            _notify(order, milestone, detail)
    except Exception:  # the journey goes on; the failure is in the log
        logger.exception("pipeline: could not notify the buyer of %s (%s)", order, milestone)


def _notify(order: Order, milestone: str, detail: str) -> None:
    summary = MILESTONES[milestone]
    if order.buyer_id:
        recipients = member_emails(organization_id=order.buyer_id)
    else:
        recipients = [order.consumer_email] if order.consumer_email else []
    email_after_commit(
        to=recipients,
        subject=f"eWTP Hub: order {order.reference}: {summary.split(';')[0]}",
        body=f"Order {order.reference}: {summary}." + (f"\n\n{detail}" if detail else ""),
    )
    if order.channel_id:
        webhook_emit_to(
            clients=ApiClient.objects.filter(Q(pk=order.channel_id)),
            event="order.milestone",
            data={
                "order_reference": order.reference,
                "milestone": milestone,
                "status": order.status,
                "detail": detail[:500],
            },
        )
