"""Failure path of steps 2 and 5: customs rejected a declaration of the order → escrow goes
back to the payers' banks (the order is refunded) and the parcels still at the origin hub
return to the seller. Parcels already abroad stay with the destination's operators, whose
exception handling (lost, damaged, returned) is theirs."""

from customs.events import DeclarationDecided
from customs.models import Declaration
from ewtp.common.outbox import subscribe
from hubs.models import Order
from logistics.models import Parcel
from logistics.services.floor import parcel_return
from payments.services.escrow import escrow_refund

from .notify import buyer_notify

AT_ORIGIN = (*Parcel.BEFORE_HUB, Parcel.Status.RECEIVED, Parcel.Status.HELD)


@subscribe("customs.declaration_decided", name="pipeline.customs_rejected")
def customs_rejected(event: DeclarationDecided) -> None:
    if event.order_id is None or event.status != Declaration.Status.REJECTED:
        return
    order = Order.objects.get(pk=event.order_id)
    reference = Declaration.objects.values_list("reference", flat=True).get(pk=event.declaration_id)
    reason = f"Customs rejected declaration {reference}: {event.reason}"[:500]
    if order.can_become(Order.Status.REFUNDED):
        escrow_refund(order=order, actor_label="pipeline", reason=reason)
        buyer_notify(order, "refunded", reason)
    for parcel in Parcel.objects.filter(order=order, status__in=AT_ORIGIN).select_related(
        "facility__hub"
    ):
        parcel_return(parcel=parcel, reason=reason[:200], actor=None)
