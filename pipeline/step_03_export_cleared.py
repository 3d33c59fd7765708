"""Step 3: the export declaration is released → the order's parcels may board. Parcels already
labelled or at the hub are export-released at once; one received later is released when it is
scanned in (the consolidation loads only released parcels). A parcel whose weight is then
found outside the tolerance loses its release again (logistics), and the officers are told
(step 3, weight mismatch)."""

from customs.events import DeclarationDecided
from customs.models import Declaration
from customs.selectors import declaration_released_for
from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order
from hubs.selectors import order_by_id
from hubs.services.orders import order_transition
from logistics.events import ParcelReceived
from logistics.selectors import parcel_by_id, parcels_awaiting_export_release
from logistics.services.floor import parcel_export_release

from .customs_filing import EXPORT_REGIMES
from .notify import buyer_notify

GOING = (Order.Status.PAID, Order.Status.IN_CUSTOMS)


@subscribe(
    "customs.declaration_decided",
    name="pipeline.export_cleared",
    when=lambda event: (
        event.order_id is not None
        and event.regime in EXPORT_REGIMES.values()
        and event.status == Declaration.Status.RELEASED
    ),
)
def export_cleared(event: DeclarationDecided) -> None:
    order = order_by_id(order_id=event.order_id)
    if order.status not in GOING:
        return  # refunded, disputed or cancelled meanwhile: nothing boards
    if order.status == Order.Status.PAID:  # a declaration filed by hand, not by step 2
        order = order_transition(
            order=order,
            to=Order.Status.IN_CUSTOMS,
            actor_label="pipeline",
            reason=order_words.EXPORT_RELEASED,
        )
    for parcel in parcels_awaiting_export_release(order_id=event.order_id):
        parcel_export_release(parcel=parcel, actor_label="customs (export released)")
    buyer_notify(order, "cleared")


@subscribe("logistics.parcel_received", name="pipeline.export_cleared_on_receipt")
def export_cleared_on_receipt(event: ParcelReceived) -> None:
    released = declaration_released_for(order_id=event.order_id, regimes=EXPORT_REGIMES.values())
    parcel = parcel_by_id(parcel_id=event.parcel_id)
    if released and not parcel.weight_flagged and parcel.order.status in GOING:
        parcel_export_release(parcel=parcel, actor_label="customs (export released)")
