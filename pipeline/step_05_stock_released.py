"""Step 5 for an order served from bonded stock: customs released its retail import → the
bonded ledger writes its units off by that release and the order is on the warehouse's pick
list; the consumer is told. The operators pick, pack and hand it to the courier on the
floor; the hand-over makes the order "shipped" (below). A DDP order's taxes are settled by
step_05_duties_settled as for any import."""

from customs.events import DeclarationDecided
from customs.models import Declaration
from customs.selectors import declaration_by_id
from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order
from hubs.selectors import order_by_id
from hubs.services.orders import order_transition
from warehousing.events import FulfilmentDispatched
from warehousing.selectors import fulfilment_of_order
from warehousing.services.fulfilment import fulfilment_release

from .notify import buyer_notify


@subscribe(
    "customs.declaration_decided",
    name="pipeline.stock_released",
    when=lambda event: (
        event.order_id is not None
        and event.regime == Declaration.Regime.CN_CBEC_IMPORT
        and event.status == Declaration.Status.RELEASED
    ),
)
def stock_released(event: DeclarationDecided) -> None:
    order = order_by_id(order_id=event.order_id)
    if not order.ships_from_stock or order.status != Order.Status.IN_CUSTOMS:
        return  # flown to the consumer, or refunded or disputed meanwhile
    fulfilment = fulfilment_of_order(order_id=order.pk)
    declaration = declaration_by_id(declaration_id=event.declaration_id)
    if (declaration.supervision_mode, declaration.customs_site_code) != (
        "1210",
        fulfilment.warehouse.customs_site_code,
    ):
        return  # not the retail import of these bonded goods: it writes nothing off
    fulfilment_release(fulfilment=fulfilment, declaration_reference=declaration.reference)
    buyer_notify(order, "released", "The warehouse is picking the goods.")


@subscribe("warehousing.fulfilment_dispatched", name="pipeline.stock_dispatched")
def stock_dispatched(event: FulfilmentDispatched) -> None:
    """The operators handed the packed goods to the courier: the order is on its way."""
    order = order_by_id(order_id=event.order_id)
    if order.status != Order.Status.IN_CUSTOMS:
        return  # shipped already (a repeated event), or refunded or disputed meanwhile
    order_transition(
        order=order,
        to=Order.Status.SHIPPED,
        actor_label="pipeline",
        reason=order_words.reason_record(order_words.DISPATCHED_FROM_STOCK, waybill=event.waybill),
    )
    buyer_notify(order, "dispatched", f"Courier waybill {event.waybill}.")
