"""Step 2: the order is paid → its export declaration is filed at the origin hub from the
order's lines (HS code, origin, weight and value as sold) with what the buyer actually paid,
and submitted, and the order is "in customs"; customs assesses and routes the declaration on
the worker (green and blue are released at once, yellow and red wait for the hub's
officers). A declaration customs cannot accept as it stands (a product whose HS code is not
in the tariff, prohibited goods) is not filed: the seller is told why by e-mail and files it
by hand once corrected."""

from decimal import Decimal

from customs.errors import CustomsErrorCode
from customs.models import Declaration
from customs.selectors import declaration_filed
from customs.services.filing import declaration_create, declaration_submit
from ewtp.common.errors import ApplicationError
from ewtp.common.money import money_from_minor
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order
from hubs.selectors import member_emails_of, order_by_id
from hubs.services.orders import order_transition
from payments.events import OrderPaid
from payments.selectors import payment_intent_by_id

from .customs_filing import EXPORT_REGIMES, export_request
from .errors import RETRY_LATER
from .notify import buyer_notify

# a cancelled or rejected declaration counts as none: the step files another
NOT_FILED = (Declaration.Status.CANCELLED, Declaration.Status.REJECTED)


def _paid_in_order_currency(order: Order, event: OrderPaid) -> Decimal:
    """What the buyer paid for the goods, in the order's currency: a payment in another
    currency, or one that includes the hub's shipping and insurance charges or a DDP order's
    duties, is the share of the goods' total it covers (the intent stated what was due, at
    the day's rate). The export is declared FOB, so its value is compared with the goods'."""
    if event.currency == order.total.currency.code and order.amount_due == order.total:
        return money_from_minor(event.amount_minor, event.currency).amount
    intent = payment_intent_by_id(intent_id=event.intent_id)
    share = Decimal(event.amount_minor) / Decimal(intent.amount_minor)
    return (order.total.amount * share).quantize(Decimal("0.01"))


@subscribe("payments.order_paid", name="pipeline.export_declared")
def export_declared(event: OrderPaid) -> None:
    order = order_by_id(order_id=event.order_id, with_lines=True)
    if order.ships_from_stock:
        return  # its goods were exported in bulk: step_02_stock_import_declared serves it
    regime = EXPORT_REGIMES.get(order.origin_hub.country.code)
    if regime is None:
        return  # no export regime at this hub
    if declaration_filed(order=order, regime=regime, ignoring=NOT_FILED):
        in_customs(order, order_words.EXPORT_FILED)
        return  # filed already (by hand, or a repeated event)
    buyer_notify(order, "paid")
    try:
        declaration = declaration_create(
            request=export_request(order, paid=_paid_in_order_currency(order, event)),
            actor_label="pipeline",
        )
    except ApplicationError as error:
        if error.code in RETRY_LATER:
            raise  # the outbox delivers the event again later
        if error.code == CustomsErrorCode.DECLARATION_EXISTS:
            in_customs(order, order_words.EXPORT_FILED)
            return  # filed by a concurrent delivery or by hand meanwhile
        email_after_commit(
            to=member_emails_of(organization_ids=[order.seller_id]),
            subject=f"eWTP Hub: export declaration for order {order.reference} not filed",
            body=(
                f"Order {order.reference} is paid, but its export declaration could not be "
                f"filed automatically: {error.message}\n\nCorrect the product and file the "
                "declaration by hand under Declarations in the portal."
            ),
        )
        return
    declaration_submit(declaration=declaration, actor_label="pipeline")
    in_customs(
        order,
        order_words.reason_record(
            order_words.EXPORT_FILED_AT,
            reference=declaration.reference,
            hub=order.origin_hub.code,
        ),
    )


def in_customs(order: Order, reason: str) -> None:
    if order_by_id(order_id=order.pk).status == Order.Status.PAID:  # as it stands now
        order_transition(
            order=order, to=Order.Status.IN_CUSTOMS, actor_label="pipeline", reason=reason
        )
