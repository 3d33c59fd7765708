"""Step 3: the export declaration is released → the order's parcels may board. Parcels already
labelled or at the hub are export-released at once; one received later is released when it is
scanned in (the consolidation loads only released parcels). A parcel whose weight is then
found outside the tolerance loses its release again (logistics), and the officers are told
(step 3, weight mismatch)."""

from customs.events import DeclarationDecided
from customs.models import Declaration
from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order
from hubs.services.orders import order_transition
from logistics.events import ParcelReceived
from logistics.models import Parcel
from logistics.services.floor import parcel_export_release

from .customs_filing import EXPORT_REGIMES
from .notify import buyer_notify

NOT_YET_LOADED = (*Parcel.BEFORE_HUB, Parcel.Status.RECEIVED, Parcel.Status.HELD)
GOING = (Order.Status.PAID, Order.Status.IN_CUSTOMS)


@subscribe("customs.declaration_decided", name="pipeline.export_cleared")
def export_cleared(event: DeclarationDecided) -> None:
    if (
        event.order_id is None
        or event.regime not in EXPORT_REGIMES.values()
        or event.status != Declaration.Status.RELEASED
    ):
        return
    order = Order.objects.get(pk=event.order_id)
    if order.status not in GOING:
        return  # refunded, disputed or cancelled meanwhile: nothing boards
    if order.status == Order.Status.PAID:  # a declaration filed by hand, not by step 2
        order = order_transition(
            order=order,
            to=Order.Status.IN_CUSTOMS,
            actor_label="pipeline",
            reason=order_words.EXPORT_RELEASED,
        )
    parcels = Parcel.objects.filter(
        order_id=event.order_id,
        status__in=NOT_YET_LOADED,
        export_released_at__isnull=True,
        weight_flagged=False,  # a weight customs has not seen: the officers decide
    ).select_related("facility__hub")
    for parcel in parcels:
        parcel_export_release(parcel=parcel, actor_label="customs (export released)")
    buyer_notify(order, "cleared")


@subscribe("logistics.parcel_received", name="pipeline.export_cleared_on_receipt")
def export_cleared_on_receipt(event: ParcelReceived) -> None:
    released = Declaration.objects.filter(
        order_id=event.order_id,
        regime__in=EXPORT_REGIMES.values(),
        status=Declaration.Status.RELEASED,
    ).exists()
    parcel = Parcel.objects.select_related("facility__hub", "order").get(pk=event.parcel_id)
    if released and not parcel.weight_flagged and parcel.order.status in GOING:
        parcel_export_release(parcel=parcel, actor_label="customs (export released)")
