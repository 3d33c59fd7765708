"""Step 5 for an order served from bonded stock: customs released its retail import → the
bonded ledger writes its units off by that release, the warehouse picks and packs them under
the courier's waybill and hands them over, and the order is "shipped" (out to the consumer;
the courier's delivered scan is step 6). A DDP order's taxes are settled by
step_05_duties_settled as for any import."""

from customs.events import DeclarationDecided
from customs.models import Declaration
from customs.selectors import declaration_by_id
from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order
from hubs.selectors import order_by_id
from hubs.services.orders import order_transition
from warehousing.models import Fulfilment
from warehousing.selectors import fulfilment_of_order
from warehousing.services.fulfilment import fulfilment_dispatch, fulfilment_release

from .notify import buyer_notify


@subscribe("customs.declaration_decided", name="pipeline.stock_released")
def stock_released(event: DeclarationDecided) -> None:
    if (
        event.order_id is None
        or event.regime != Declaration.Regime.CN_CBEC_IMPORT
        or event.status != Declaration.Status.RELEASED
    ):
        return
    order = order_by_id(order_id=event.order_id)
    if not order.ships_from_stock or order.status != Order.Status.IN_CUSTOMS:
        return  # flown to the consumer, or refunded or disputed meanwhile
    fulfilment = fulfilment_of_order(order_id=order.pk)
    declaration = declaration_by_id(declaration_id=event.declaration_id)
    fulfilment = fulfilment_release(
        fulfilment=fulfilment, declaration_reference=declaration.reference
    )
    stock_dispatched(order, fulfilment)


def stock_dispatched(order: Order, fulfilment: Fulfilment) -> None:
    """Hand the goods to the courier; the order is on its way to the consumer."""
    fulfilment = fulfilment_dispatch(fulfilment=fulfilment)
    order_transition(
        order=order,
        to=Order.Status.SHIPPED,
        actor_label="pipeline",
        reason=order_words.reason_record(
            order_words.DISPATCHED_FROM_STOCK, waybill=fulfilment.waybill
        ),
    )
    buyer_notify(order, "dispatched", f"Courier waybill {fulfilment.waybill}.")
