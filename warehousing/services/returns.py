"""Goods a consumer sends back, and parcels the courier could not deliver: into stock again
(bonded: into the ledger again) within the windows of the retail import rules
(warehousing/law.py). A return is asked for first (by the sales channel, for its consumer)
and is taken only while the order's money is still held in escrow: the pipeline then
refunds it (pipeline/step_06_returned_to_stock.py)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError
from hubs.models import Order

from ..errors import WarehousingErrorCode
from ..events import FulfilmentReturned
from ..law import RETURN_ARRIVAL_WINDOW, RETURN_REQUEST_WINDOW
from ..models import Fulfilment, FulfilmentEvent, LedgerEntry, StockLot
from .fulfilment import fulfilment_event_record, fulfilment_transition
from .inbound import location_of
from .people import check_operator, label_of

# the order's money is still in escrow: a return can be refunded
REFUNDABLE = (Order.Status.SHIPPED, Order.Status.DELIVERED)


def _too_late(message: str) -> ApplicationError:
    return ApplicationError(message, WarehousingErrorCode.RETURN_TOO_LATE)


def _check_refundable(fulfilment: Fulfilment) -> None:
    status = Order.objects.filter(pk=fulfilment.order_id).values_list("status", flat=True).first()
    if status not in REFUNDABLE:
        raise _too_late(
            _(
                "Order %(reference)s is paid out to the seller: the hub cannot refund a "
                "return of it any more."
            )
            % {"reference": fulfilment.order.reference}
        )


def return_request(*, fulfilment: Fulfilment, reason: str, actor_label: str) -> Fulfilment:
    """The consumer wants to send the goods back: bonded goods within 30 days of their
    release. Asking again changes nothing."""
    if fulfilment.status != Fulfilment.Status.DELIVERED:
        raise ApplicationError(
            _("Only delivered goods are returned; these are %(status)s.")
            % {"status": fulfilment.get_status_display().lower()},
            WarehousingErrorCode.RETURN_INVALID,
        )
    if fulfilment.return_requested_at is not None:
        return fulfilment
    _check_refundable(fulfilment)
    if fulfilment.warehouse.is_bonded and timezone.now() > (
        fulfilment.released_at + RETURN_REQUEST_WINDOW
    ):
        raise _too_late(
            _(
                "A return of bonded goods is asked for within 30 days of their release "
                "(GACC Announcement 2018 No. 194); these were released on %(day)s."
            )
            % {"day": timezone.localdate(fulfilment.released_at).isoformat()}
        )
    if not reason.strip():
        raise ApplicationError(
            _("Say why the goods come back."),
            WarehousingErrorCode.RETURN_INVALID,
            extra={"field": "reason"},
        )
    Fulfilment.objects.filter(pk=fulfilment.pk, return_requested_at__isnull=True).update(
        return_requested_at=timezone.now(), return_reason=reason.strip()[:200]
    )
    fulfilment.refresh_from_db()
    return fulfilment


def return_receive(
    *, fulfilment: Fulfilment, actor, location_code: str = "", reason: str = ""
) -> Fulfilment:
    """The goods came back: delivered ones that the channel asked to return (bonded: within
    45 days of their release), or a parcel the courier could not deliver."""
    warehouse = fulfilment.warehouse
    check_operator(actor, warehouse)
    location = location_of(warehouse, location_code, "location")

    def guard(row):
        if row.status == Fulfilment.Status.DELIVERED and row.return_requested_at is None:
            raise ApplicationError(
                _("No return was asked for under this waybill: the sales channel asks first."),
                WarehousingErrorCode.RETURN_INVALID,
            )
        _check_refundable(row)
        if (
            warehouse.is_bonded
            and row.released_at
            and timezone.now() > row.released_at + RETURN_ARRIVAL_WINDOW
        ):
            raise _too_late(
                _(
                    "Bonded goods come back within 45 days of their release "
                    "(GACC Announcement 2018 No. 194); these were released on %(day)s."
                )
                % {"day": timezone.localdate(row.released_at).isoformat()}
            )

    def returned(row, before):
        # the lots in one order (product, lot), as every other path takes them
        claims = sorted(
            row.claims.select_related("stock_lot"),
            key=lambda c: (c.stock_lot.product_id, c.stock_lot.lot, c.stock_lot_id),
        )
        for claim in claims:
            _back_on_shelf(row, claim, location)
        fulfilment_event_record(row, FulfilmentEvent.Code.RETURNED)
        return []

    return fulfilment_transition(
        fulfilment=fulfilment,
        to=Fulfilment.Status.RETURNED,
        actor=actor,
        actor_label=label_of(actor),
        reason=reason or fulfilment.return_reason,
        data={"location": location.code},
        guard=guard,
        apply=returned,
        event=lambda row, before: FulfilmentReturned(
            fulfilment_id=row.pk, order_id=row.order_id, declaration=row.release_declaration
        ),
    )


def _back_on_shelf(fulfilment: Fulfilment, claim, location) -> None:
    source = claim.stock_lot
    lot, _created = StockLot.objects.select_for_update().get_or_create(
        location=location,
        product_id=source.product_id,
        lot=source.lot,
        defaults={
            "warehouse": fulfilment.warehouse,
            "seller_id": source.seller_id,
            "expires_on": source.expires_on,
        },
    )
    lot.on_hand += claim.quantity
    lot.save(update_fields=["on_hand", "updated_at"])
    if fulfilment.warehouse.is_bonded and fulfilment.release_declaration:
        LedgerEntry.objects.create(
            warehouse=fulfilment.warehouse,
            product_id=source.product_id,
            lot=source.lot,
            movement=LedgerEntry.Movement.RETURNED,
            quantity=claim.quantity,
            document=f"RET-{fulfilment.waybill}",
            order_id=fulfilment.order_id,
        )
