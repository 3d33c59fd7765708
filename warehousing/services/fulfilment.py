"""Orders served from a warehouse's stock: placed with their units reserved, released by
customs (a bonded warehouse writes the goods off its ledger by the retail import's release),
picked and packed under the domestic courier's waybill, handed over, delivered; and the
goods a consumer sends back within the window (warehousing/law.py)."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError, ConflictError

from ..errors import WarehousingErrorCode
from ..events import FulfilmentDelivered, FulfilmentDispatched
from ..models import Fulfilment, FulfilmentEvent, LedgerEntry
from .people import check_operator, label_of, move
from .stock import stock_take_out, stock_unreserve

WAYBILL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def waybill_number() -> str:
    """The domestic courier's waybill: 12 characters, unguessable, easy to read aloud."""
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


def _pick_and_pack(fulfilment: Fulfilment) -> None:
    stock_take_out(fulfilment=fulfilment)
    fulfilment_event_record(fulfilment, FulfilmentEvent.Code.PICKED)
    fulfilment_event_record(fulfilment, FulfilmentEvent.Code.PACKED)


def fulfilment_release(*, fulfilment: Fulfilment, declaration_reference: str) -> Fulfilment:
    """Customs released the order's retail import: the bonded ledger writes its units off by
    that release, and the warehouse picks and packs them."""

    def released(row, before):
        row.released_at = timezone.now()
        row.release_declaration = declaration_reference
        if row.warehouse.is_bonded:
            _write_off(row, declaration_reference)
        _pick_and_pack(row)
        return ["released_at", "release_declaration"]

    locked = fulfilment_transition(
        fulfilment=fulfilment,
        to=Fulfilment.Status.RELEASED,
        actor_label="pipeline",
        data={"declaration": declaration_reference},
        apply=released,
    )
    return locked


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


def fulfilment_dispatch(*, fulfilment: Fulfilment) -> Fulfilment:
    """Hand the packed goods to the domestic courier under the waybill. Stock that needs no
    customs release (a warehouse that is not bonded) is picked and packed now."""

    def dispatched(row, before):
        if before == Fulfilment.Status.RESERVED:
            if row.warehouse.is_bonded:
                raise _refusal(row, Fulfilment.Status.DISPATCHED)
            _pick_and_pack(row)
        row.dispatched_at = timezone.now()
        fulfilment_event_record(row, FulfilmentEvent.Code.HANDED_OVER)
        return ["dispatched_at"]

    locked = fulfilment_transition(
        fulfilment=fulfilment,
        to=Fulfilment.Status.DISPATCHED,
        actor_label="pipeline",
        apply=dispatched,
        event=lambda row, before: FulfilmentDispatched(
            fulfilment_id=row.pk, order_id=row.order_id, waybill=row.waybill
        ),
    )
    return locked


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
