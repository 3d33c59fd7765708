"""Orders served from a warehouse's stock: placed with their units reserved, released by
customs (a bonded warehouse writes the goods off its ledger by the retail import's release),
picked and packed under the domestic courier's waybill, handed over, delivered; and the
goods a consumer sends back within the window (warehousing/law.py)."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError, ConflictError
from hubs.models import Order

from ..errors import WarehousingErrorCode
from ..events import FulfilmentDelivered, FulfilmentDispatched
from ..models import Fulfilment, FulfilmentEvent, LedgerEntry
from .people import check_operator, label_of, move
from .stock import stock_take_out, stock_unreserve

WAYBILL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def waybill_number() -> str:
    """The waybill of a domestic delivery, allotted by the hub (no courier's system is
    connected yet): 12 characters, unguessable, easy to read aloud."""
    return "D" + "".join(secrets.choice(WAYBILL_ALPHABET) for _ in range(11))


def _refusal(locked, to) -> ConflictError:
    return ConflictError(
        _("The order's goods are %(status)s.") % {"status": locked.get_status_display().lower()},
        WarehousingErrorCode.FULFILMENT_STATE,
    )


def fulfilment_transition(
    *, fulfilment: Fulfilment, to: str, actor=None, actor_label: str = "", **options
) -> Fulfilment:
    """Move a Fulfilment along its TRANSITIONS (ewtp.common.states), the one way its
    status changes, audited as ``warehousing.fulfilment.<to>``. ``options``: state_change's reason,
    data, apply, event and guard."""
    return move(
        fulfilment,
        to,
        refusal=_refusal,
        action=f"warehousing.fulfilment.{to}",
        actor=actor,
        actor_label=actor_label,
        **options,
    )


def fulfilment_cancel(*, fulfilment: Fulfilment, reason: str = "") -> Fulfilment:
    """The order will not be served (unpaid, refused by customs, refunded): its units go back
    on the shelf. A fulfilment past its release is left as it is."""
    if fulfilment.status != Fulfilment.Status.RESERVED:
        return fulfilment
    locked = fulfilment_transition(
        fulfilment=fulfilment,
        to=Fulfilment.Status.CANCELLED,
        actor_label="pipeline",
        reason=reason,
        apply=lambda row, before: stock_unreserve(fulfilment=row) or [],
    )
    return locked


def fulfilment_event_record(fulfilment, code, at=None, place=""):
    FulfilmentEvent.objects.create(
        fulfilment=fulfilment,
        code=code,
        at=at or timezone.now(),
        place=place or fulfilment.warehouse.name,
    )


def fulfilment_release(*, fulfilment: Fulfilment, declaration_reference: str) -> Fulfilment:
    """Customs released the order's retail import: the bonded ledger writes its units off by
    that release, and the order is on the warehouse's pick list (the units stay on the shelf
    until the operators pick them)."""

    def released(row, before):
        row.released_at = timezone.now()
        row.release_declaration = declaration_reference
        if row.warehouse.is_bonded:
            _write_off(row, declaration_reference)
        return ["released_at", "release_declaration"]

    return fulfilment_transition(
        fulfilment=fulfilment,
        to=Fulfilment.Status.RELEASED,
        actor_label="pipeline",
        data={"declaration": declaration_reference},
        apply=released,
    )


def _write_off(fulfilment: Fulfilment, document: str) -> None:
    rows = {}
    for claim in fulfilment.claims.select_related("stock_lot"):
        key = (claim.stock_lot.product_id, claim.stock_lot.lot)
        rows[key] = rows.get(key, 0) + claim.quantity
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            warehouse=fulfilment.warehouse,
            product_id=product_id,
            lot=lot,
            movement=LedgerEntry.Movement.RELEASED,
            quantity=-units,
            document=document,
            order_id=fulfilment.order_id,
        )
        for (product_id, lot), units in rows.items()
    )


def fulfilment_pack(*, fulfilment: Fulfilment, actor=None) -> Fulfilment:
    """The operators picked the order's units off the shelf and packed them under the
    waybill: released ones from a bonded warehouse, or paid ones from one that is not."""
    check_operator(actor, fulfilment.warehouse)

    def on_the_pick_list(row):
        if row.status == Fulfilment.Status.RESERVED and (row.warehouse.is_bonded or not _paid(row)):
            raise _refusal(row, Fulfilment.Status.PACKED)

    def packed(row, before):
        stock_take_out(fulfilment=row)
        row.packed_at = timezone.now()
        fulfilment_event_record(row, FulfilmentEvent.Code.PICKED, row.packed_at)
        fulfilment_event_record(row, FulfilmentEvent.Code.PACKED, row.packed_at)
        return ["packed_at"]

    return fulfilment_transition(
        fulfilment=fulfilment,
        to=Fulfilment.Status.PACKED,
        actor=actor,
        guard=on_the_pick_list,
        apply=packed,
    )


def _paid(fulfilment: Fulfilment) -> bool:
    """Served from stock that is not bonded, a paid order waits "in customs" for its pick
    (no customs at this step; pipeline/step_02_stock_import_declared.py)."""
    return Order.objects.filter(pk=fulfilment.order_id, status=Order.Status.IN_CUSTOMS).exists()


def fulfilment_dispatch(*, fulfilment: Fulfilment, actor=None) -> Fulfilment:
    """The packed goods are handed to the domestic courier under the waybill; the order is
    on its way to the consumer (the pipeline moves it)."""
    check_operator(actor, fulfilment.warehouse)

    def dispatched(row, before):
        row.dispatched_at = timezone.now()
        fulfilment_event_record(row, FulfilmentEvent.Code.HANDED_OVER, row.dispatched_at)
        return ["dispatched_at"]

    return fulfilment_transition(
        fulfilment=fulfilment,
        to=Fulfilment.Status.DISPATCHED,
        actor=actor,
        apply=dispatched,
        event=lambda row, before: FulfilmentDispatched(
            fulfilment_id=row.pk, order_id=row.order_id, waybill=row.waybill
        ),
    )


def fulfilment_scan(
    *, fulfilment: Fulfilment, code: str, actor=None, place: str = "", at=None
) -> Fulfilment:
    """The courier's scan on the way to the consumer: out for delivery, or delivered."""
    if code not in (FulfilmentEvent.Code.OUT_FOR_DELIVERY, FulfilmentEvent.Code.DELIVERED):
        raise ApplicationError(
            _("A courier's scan is out for delivery or delivered."),
            WarehousingErrorCode.FORM_INVALID,
            extra={"field": "code"},
        )
    check_operator(actor, fulfilment.warehouse)
    at = at or timezone.now()
    if code == FulfilmentEvent.Code.OUT_FOR_DELIVERY:
        with transaction.atomic():
            locked = Fulfilment.objects.select_for_update().get(pk=fulfilment.pk)
            if locked.status != Fulfilment.Status.DISPATCHED:
                raise _refusal(locked, Fulfilment.Status.DELIVERED)
            fulfilment_event_record(locked, code, at, place)
        return locked

    def delivered(row, before):
        row.delivered_at = at
        fulfilment_event_record(row, code, at, place)
        return ["delivered_at"]

    locked = fulfilment_transition(
        fulfilment=fulfilment,
        to=Fulfilment.Status.DELIVERED,
        actor=actor,
        actor_label=label_of(actor, "courier"),
        apply=delivered,
        event=lambda row, before: FulfilmentDelivered(fulfilment_id=row.pk, order_id=row.order_id),
    )
    return locked
