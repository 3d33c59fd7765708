"""Returns into stock: the goods of an order came back to the warehouse (a consumer's return
the sales channel asked for, or a parcel the courier could not deliver) →

- customs records the return of the retail import they were released under, which gives its
  share of the consumer's annual total back (customs/services/returns.py);
- the order is refunded from escrow: a delivered one through a dispute the hub opens and
  decides for the consumer, a shipped one at once (warehousing takes a return only while
  escrow still holds the money);
- for a DDP order, the taxes paid to customs from escrow at release are not levied on goods
  returned in time (GACC Announcement 2018 No. 194): the MDEC officers are told to reclaim
  them from customs, with the declaration's figures."""

from customs.selectors import declarations_of_order
from customs.services.returns import declaration_goods_returned
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs.models import Order, User
from hubs.selectors import official_emails, order_by_id
from hubs.services.orders import order_transition
from payments.services.escrow import escrow_refund
from warehousing.events import FulfilmentReturned

from .notify import buyer_notify


@subscribe("warehousing.fulfilment_returned", name="pipeline.returned_to_stock")
def returned_to_stock(event: FulfilmentReturned) -> None:
    order = order_by_id(order_id=event.order_id)
    returned = []
    if event.declaration:  # bonded: the retail import they were released under
        for declaration in declarations_of_order(order=order).filter(reference=event.declaration):
            returned.append(
                declaration_goods_returned(declaration=declaration, actor_label="pipeline")
            )
    if order.status not in (Order.Status.SHIPPED, Order.Status.DELIVERED):
        return  # refunded already (a repeated event), or decided by an officer meanwhile
    reason = f"Goods returned to the warehouse of order {order.reference}: refunded."
    if order.status == Order.Status.DELIVERED:
        order = order_transition(
            order=order, to=Order.Status.DISPUTED, actor_label="pipeline", reason=reason
        )
    escrow_refund(order=order, actor_label="pipeline", reason=reason)
    buyer_notify(order, "refunded", reason)
    taxed = [d for d in returned if d.total_tax and order.incoterm == Order.Incoterm.DDP]
    if taxed:
        email_after_commit(
            to=official_emails(role=User.OfficialRole.MDEC_OFFICER),
            subject=f"eWTP Hub: order {order.reference}: taxes to reclaim after a return",
            body="\n".join(
                f"Declaration {d.reference}: {d.total_tax} {d.customs_currency} paid at release; "
                "the goods came back within the return window, so the taxes are not levied "
                "(GACC Announcement 2018 No. 194). Reclaim them from customs."
                for d in taxed
            ),
        )
