"""Step 1: an order is placed → the buyer is asked to pay.

For a DDP order the customs engine first quotes the import duties and taxes at the
destination (the same regime, tariff and exchange rate as the import declaration will be
assessed with), and the buyer pays them with the goods into escrow; the difference to the
assessment is settled at import (step 5). Then a payment intent for what is due is opened
(payments), and the order moves to "awaiting payment". Its payment window
(ORDER_PAYMENT_WINDOW) is already running: the expiry sweep ends the order if the money does
not arrive.
"""

import logging

from moneyed import Money

from customs.services.quotes import duty_quote
from ewtp.common.errors import ApplicationError
from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.events import OrderPlaced
from hubs.models import Order
from hubs.selectors import order_by_id
from hubs.services.orders import order_duties_quote_record, order_transition
from payments.services.intents import payment_intent_open
from warehousing.selectors import fulfilment_of_order

from .customs_filing import import_quote_request
from .errors import RETRY_LATER

logger = logging.getLogger(__name__)


@subscribe("hubs.order_placed", name="pipeline.payment_requested")
def payment_requested(event: OrderPlaced) -> None:
    order = order_by_id(order_id=event.order_id)
    if order.status != Order.Status.PLACED:
        return  # cancelled or expired before this step ran, or already past it
    note = ""
    if (
        order.incoterm == Order.Incoterm.DDP
        and order.duties_quoted is None
        and _imported_with_the_order(order)
    ):
        order, note = _duties_quoted(order)
    payment_intent_open(order=order)
    order_transition(
        order=order,
        to=Order.Status.AWAITING_PAYMENT,
        actor_label="pipeline",
        reason=order_words.PAYMENT_REQUESTED + (f" {note}" if note else ""),
    )


def _imported_with_the_order(order: Order) -> bool:
    """Whether the order's goods are imported when it is served: flown, or sold from bonded
    stock; stock that is not bonded was imported (and taxed) before it was sold."""
    if not order.ships_from_stock:
        return True
    return fulfilment_of_order(order_id=order.pk).warehouse.is_bonded


def _duties_quoted(order: Order) -> tuple[Order, str]:
    """The order with its quoted duties, or as it was and why it could not be quoted."""
    try:
        quote = duty_quote(request=import_quote_request(order))
    except ApplicationError as error:
        if error.code in RETRY_LATER:
            raise
        # goods the engine cannot quote (no tariff line in force yet): the buyer pays the
        # goods, and the assessment at import is paid from escrow in full (the seller's,
        # under DDP); the order says so rather than failing
        logger.warning("pipeline: no duty quote for %s: %s", order.reference, error.message)
        return order, error.message
    recorded = order_duties_quote_record(
        order=order,
        duties=Money(quote.total_in_currency, order.total.currency),
        source=f"{quote.request.regime} at {quote.exchange_rate_source}",
    )
    return recorded, ""
