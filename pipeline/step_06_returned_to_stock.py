"""Returns from bonded stock: the consumer's goods came back to the warehouse within the
window → customs records the return of the retail import they were released under, which
gives its share of the consumer's annual total back (customs/services/returns.py). The
money of a return is settled as any dispute's: the buyer opens one, an officer decides."""

from customs.selectors import declarations_of_order
from customs.services.returns import declaration_goods_returned
from ewtp.common.outbox import subscribe
from hubs.selectors import order_by_id
from warehousing.events import FulfilmentReturned


@subscribe("warehousing.fulfilment_returned", name="pipeline.returned_to_stock")
def returned_to_stock(event: FulfilmentReturned) -> None:
    if not event.declaration:
        return  # stock that is not bonded: no retail import to adjust
    order = order_by_id(order_id=event.order_id)
    for declaration in declarations_of_order(order=order).filter(reference=event.declaration):
        declaration_goods_returned(declaration=declaration, actor_label="pipeline")
