"""Failure path of steps 2 and 5: an officer rejected a declaration of the order → escrow goes
back to the payers' banks (the order is refunded) and the parcels still at the origin hub
return to the seller. Parcels already abroad stay with the destination's operators, whose
exception handling (lost, damaged, returned) is theirs. A disputed order's escrow stays
frozen for the officer deciding the dispute.

A rejection by the engines (a declaration that could not be assessed: a tariff line or
regime parameter missing) says the hub's data is at fault, not the goods: nothing is
refunded; the seller and the MDEC officers are told, and the declaration is filed again."""

from customs.events import DeclarationDecided
from customs.models import Declaration
from customs.selectors import declaration_by_id
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order, User
from hubs.selectors import member_emails, official_emails, order_by_id
from logistics.selectors import parcels_at_origin
from logistics.services.floor import parcel_return
from payments.services.escrow import escrow_refund

from .notify import buyer_notify

REFUNDABLE = (Order.Status.PAID, Order.Status.IN_CUSTOMS, Order.Status.SHIPPED)


@subscribe(
    "customs.declaration_decided",
    name="pipeline.customs_rejected",
    when=lambda event: event.order_id is not None and event.status == Declaration.Status.REJECTED,
)
def customs_rejected(event: DeclarationDecided) -> None:
    order = order_by_id(order_id=event.order_id)
    reference = declaration_by_id(declaration_id=event.declaration_id).reference
    rejected(order, reference=reference, detail=event.reason, by_officer=event.by_officer)


def rejected(order: Order, *, reference: str, detail: str, by_officer: bool) -> None:
    """Declaration ``reference`` of the order was rejected (by this hub's customs, or a peer
    deployment's): by an officer, the order is refunded; by the engines, people are told."""
    reason = order_words.reason_record(
        order_words.CUSTOMS_REJECTED, reference=reference, detail=detail
    )[:500]
    if not by_officer:
        _tell_seller_and_officers(order, reason)
        return
    # a disputed order's money is the officer deciding the dispute's to settle
    if order.status in REFUNDABLE:
        escrow_refund(order=order, actor_label="pipeline", reason=reason)
        buyer_notify(order, "refunded", reason)
    for parcel in parcels_at_origin(order_id=order.pk):
        parcel_return(parcel=parcel, reason=reason[:200], actor=None)


def _tell_seller_and_officers(order: Order, reason: str) -> None:
    email_after_commit(
        to=member_emails(organization_id=order.seller_id)
        + official_emails(role=User.OfficialRole.MDEC_OFFICER),
        subject=f"eWTP Hub: order {order.reference}: a declaration could not be assessed",
        body=f"{reason}\n\nThe hub's customs data needs attention; then file the "
        "declaration again (Declarations in the portal). No money has moved.",
    )
