"""Step 3: the export declaration is released → the order's parcels may board. Parcels already
labelled or at the hub are export-released at once; one received later is released when it is
scanned in (the consolidation loads only released parcels). A parcel whose weight is then
found outside the tolerance loses its release again (logistics), and the officers are told
(step 3, weight mismatch)."""

from customs.events import DeclarationDecided
from customs.models import Declaration
from ewtp.common.outbox import subscribe
from hubs.models import Order
from logistics.events import ParcelReceived
from logistics.models import Parcel
from logistics.services.floor import parcel_export_release

from .customs_filing import EXPORT_REGIMES
from .notify import buyer_notify

NOT_YET_LOADED = (Parcel.Status.CREATED, Parcel.Status.BOOKED, Parcel.Status.RECEIVED)


@subscribe("customs.declaration_decided", name="pipeline.export_cleared")
def export_cleared(event: DeclarationDecided) -> None:
    if (
        event.order_id is None
        or event.regime not in EXPORT_REGIMES.values()
        or event.status != Declaration.Status.RELEASED
    ):
        return
    parcels = Parcel.objects.filter(
        order_id=event.order_id,
        status__in=NOT_YET_LOADED,
        export_released_at__isnull=True,
        weight_flagged=False,  # a weight customs has not seen: the officers decide
    ).select_related("facility__hub")
    for parcel in parcels:
        parcel_export_release(parcel=parcel, actor_label="customs (export released)")
    buyer_notify(Order.objects.get(pk=event.order_id), "cleared")


@subscribe("logistics.parcel_received", name="pipeline.export_cleared_on_receipt")
def export_cleared_on_receipt(event: ParcelReceived) -> None:
    released = Declaration.objects.filter(
        order_id=event.order_id,
        regime__in=EXPORT_REGIMES.values(),
        status=Declaration.Status.RELEASED,
    ).exists()
    parcel = Parcel.objects.select_related("facility__hub").get(pk=event.parcel_id)
    if released and not parcel.weight_flagged:
        parcel_export_release(parcel=parcel, actor_label="customs (export released)")
