"""Step 2: the order is paid → its export declaration is filed at the origin hub from the
order's lines (HS code, origin, weight and value as sold) with what the buyer actually paid,
and submitted, and the order is "in customs"; customs assesses and routes the declaration on
the worker (green and blue are released at once, yellow and red wait for the hub's
officers). A declaration customs cannot accept as it stands (a product whose HS code is not
in the tariff, prohibited goods) is not filed: the seller is told why by e-mail and files it
by hand once corrected."""

from decimal import Decimal

from customs.services.declarations import declaration_create, declaration_submit
from ewtp.common.errors import ApplicationError, CommonErrorCode
from ewtp.common.money import money_from_minor
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Membership, Order
from hubs.services.orders import order_transition
from payments.events import OrderPaid
from payments.models import PaymentIntent

from .customs_filing import EXPORT_REGIMES, export_request
from .notify import buyer_notify

# refusals that are about the hub's data, not the goods: worth another try, not an e-mail
RETRY_LATER = {"customs_rate_missing", "regime_parameter_missing", CommonErrorCode.FX_RATE_STALE}


def _paid_in_order_currency(order: Order, event: OrderPaid) -> Decimal:
    """What the buyer paid for the goods, in the order's currency: a payment in another
    currency, or one that includes the hub's shipping and insurance charges or a DDP order's
    duties, is the share of the goods' total it covers (the intent stated what was due, at
    the day's rate). The export is declared FOB, so its value is compared with the goods'."""
    if event.currency == order.total.currency.code and order.amount_due == order.total:
        return money_from_minor(event.amount_minor, event.currency).amount
    intent = PaymentIntent.objects.get(pk=event.intent_id)
    share = Decimal(event.amount_minor) / Decimal(intent.amount_minor)
    return (order.total.amount * share).quantize(Decimal("0.01"))


@subscribe("payments.order_paid", name="pipeline.export_declared")
def export_declared(event: OrderPaid) -> None:
    order = (
        Order.objects.select_related("seller", "buyer", "origin_hub")
        .prefetch_related("lines")
        .get(pk=event.order_id)
    )
    regime = EXPORT_REGIMES.get(order.origin_hub.country.code)
    if regime is None:
        return  # no export regime at this hub
    if (
        order.declarations.filter(regime=regime)
        .exclude(status__in=["cancelled", "rejected"])
        .exists()
    ):
        _in_customs(order, order_words.EXPORT_FILED)
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
        if error.code == "declaration_exists":
            _in_customs(order, order_words.EXPORT_FILED)
            return  # filed by a concurrent delivery or by hand meanwhile
        owners = Membership.objects.filter(organization=order.seller).values_list(
            "user__email", flat=True
        )
        email_after_commit(
            to=list(owners),
            subject=f"eWTP Hub: export declaration for order {order.reference} not filed",
            body=(
                f"Order {order.reference} is paid, but its export declaration could not be "
                f"filed automatically: {error.message}\n\nCorrect the product and file the "
                "declaration by hand under Declarations in the portal."
            ),
        )
        return
    declaration_submit(declaration=declaration, actor_label="pipeline")
    _in_customs(
        order,
        order_words.reason_record(
            order_words.EXPORT_FILED_AT,
            reference=declaration.reference,
            hub=order.origin_hub.code,
        ),
    )


def _in_customs(order: Order, reason: str) -> None:
    order.refresh_from_db(fields=["status"])
    if order.status == Order.Status.PAID:
        order_transition(
            order=order, to=Order.Status.IN_CUSTOMS, actor_label="pipeline", reason=reason
        )
