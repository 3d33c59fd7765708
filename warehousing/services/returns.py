"""Goods a consumer sends back: into stock again (bonded: into the ledger again) within the
window of the retail import rules (warehousing/law.py)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError

from ..errors import WarehousingErrorCode
from ..events import FulfilmentReturned
from ..law import RETURN_WINDOW
from ..models import Fulfilment, FulfilmentEvent, LedgerEntry, StockLot
from .fulfilment import fulfilment_event_record, fulfilment_transition
from .inbound import location_of
from .people import check_operator, label_of


def return_receive(
    *, fulfilment: Fulfilment, actor, location_code: str = "", reason: str = ""
) -> Fulfilment:
    """The consumer sent the goods back and they arrived in their original state: they go
    back into stock (bonded: into the ledger again), within 30 days of their release."""
    warehouse = fulfilment.warehouse
    check_operator(actor, warehouse)
    location = location_of(warehouse, location_code, "location")

    def guard(row):
        started = row.released_at or row.dispatched_at
        if warehouse.is_bonded and started and timezone.now() > started + RETURN_WINDOW:
            raise ApplicationError(
                _(
                    "Bonded goods come back within 30 days of their release "
                    "(GACC Announcement 2018 No. 194); these were released on %(day)s."
                )
                % {"day": timezone.localdate(started).isoformat()},
                WarehousingErrorCode.RETURN_TOO_LATE,
            )

    def returned(row, before):
        for claim in row.claims.select_related("stock_lot"):
            source = claim.stock_lot
            lot, _created = StockLot.objects.select_for_update().get_or_create(
                location=location,
                product_id=source.product_id,
                lot=source.lot,
                defaults={
                    "warehouse": warehouse,
                    "seller_id": source.seller_id,
                    "expires_on": source.expires_on,
                },
            )
            lot.on_hand += claim.quantity
            lot.save(update_fields=["on_hand", "updated_at"])
            if warehouse.is_bonded:
                LedgerEntry.objects.create(
                    warehouse=warehouse,
                    product_id=source.product_id,
                    lot=source.lot,
                    movement=LedgerEntry.Movement.RETURNED,
                    quantity=claim.quantity,
                    document=f"RET-{row.waybill}",
                    order_id=row.order_id,
                )
        fulfilment_event_record(row, FulfilmentEvent.Code.RETURNED)
        return []

    locked = fulfilment_transition(
        fulfilment=fulfilment,
        to=Fulfilment.Status.RETURNED,
        actor=actor,
        actor_label=label_of(actor),
        reason=reason,
        data={"location": location.code},
        guard=guard,
        event=lambda row, before: FulfilmentReturned(
            fulfilment_id=row.pk, order_id=row.order_id, declaration=row.release_declaration
        ),
        apply=returned,
    )
    return locked
