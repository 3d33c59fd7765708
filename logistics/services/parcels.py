"""Parcels: the seller packs an order into one or more parcels, each under a house waybill
with a printable label, and books a drop-off at the hub's eFulfilment centre."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from hubs.models import ERoad, Order
from hubs.roles import Perm, can_act_for

from ..errors import LogisticsErrorCode
from ..models import Facility, Parcel, ParcelItem, WaybillSequence
from ..opening_hours import opening_hours_text
from ..selectors import PACKABLE, quantities_left_to_pack
from ..waybills import HOUSE_SERIALS, house_waybill
from .moves import PARCEL_MOVES, drop_off_note, parcel_transition
from .tracking import tracking_record

MAX_WEIGHT_KG = Decimal("500")  # a parcel, not a pallet: heavier goes as cargo
MAX_SIDE_CM = 300
# Orders that may be packed: paid (escrow holds the money) and not yet on their way.


@dataclass(frozen=True)
class ParcelRequest:
    weight_kg: Decimal
    length_cm: int
    width_cm: int
    height_cm: int
    items: dict[int, int]  # order line id → quantity


def _invalid(message: str, field: str) -> None:
    raise ApplicationError(message, LogisticsErrorCode.PARCEL_INVALID, extra={"field": field})


def _check(request: ParcelRequest) -> None:
    if not Decimal("0.001") <= request.weight_kg <= MAX_WEIGHT_KG:
        _invalid(_("The weight is 0.001 to %(max)s kg.") % {"max": MAX_WEIGHT_KG}, "weight_kg")
    for name in ("length_cm", "width_cm", "height_cm"):
        if not 1 <= getattr(request, name) <= MAX_SIDE_CM:
            _invalid(_("Each side is 1 to %(max)s cm.") % {"max": MAX_SIDE_CM}, name)
    if not request.items or any(q < 0 for q in request.items.values()):
        _invalid(_("Say which goods are in the parcel."), "items")
    if not any(request.items.values()):
        _invalid(_("Put at least one item in the parcel."), "items")


def parcel_create(*, order: Order, request: ParcelRequest, actor) -> Parcel:
    """A parcel of (part of) a paid order, under a new house waybill of the origin hub. The
    quantities packed never exceed what was ordered, across all of the order's parcels."""
    if actor is not None and not can_act_for(actor, order.seller, Perm.ORDERS_TRADE):
        raise NotAllowedError(_("Only the seller packs its orders."), LogisticsErrorCode.NOT_SELLER)
    _check(request)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in PACKABLE:
            raise ConflictError(
                _("Order %(reference)s is %(status)s: only a paid order is packed.")
                % {"reference": locked.reference, "status": locked.get_status_display()},
                LogisticsErrorCode.PARCEL_STATE,
            )
        if locked.ships_from_stock:
            raise ConflictError(
                _(
                    "Order %(reference)s is served from a warehouse's stock at the destination: "
                    "the warehouse packs it."
                )
                % {"reference": locked.reference},
                LogisticsErrorCode.PARCEL_STATE,
            )
        _check_quantities(locked, request.items)
        facility = Facility.objects.filter(hub_id=locked.origin_hub_id).first()
        if facility is None:
            raise ConflictError(
                _("The origin hub has no eFulfilment centre yet."), LogisticsErrorCode.PARCEL_STATE
            )
        parcel = Parcel.objects.create(
            order=locked,
            eroad=ERoad.objects.get(
                origin_id=locked.origin_hub_id, destination_id=locked.destination_hub_id
            ),
            facility=facility,
            waybill=_house_waybill_next(facility.hub.code),
            declared_weight_kg=request.weight_kg,
            length_cm=request.length_cm,
            width_cm=request.width_cm,
            height_cm=request.height_cm,
        )
        ParcelItem.objects.bulk_create(
            [
                ParcelItem(parcel=parcel, order_line_id=line_id, quantity=quantity)
                for line_id, quantity in request.items.items()
                if quantity
            ]
        )
        audit_record(
            actor=actor,
            action="logistics.parcel.created",
            target=parcel,
            data={"waybill": parcel.waybill},
        )
    return parcel


def _check_quantities(order: Order, items: dict[int, int]) -> None:
    left_to_pack = quantities_left_to_pack(order=order)
    for line_id, quantity in items.items():
        if line_id not in left_to_pack:
            _invalid(_("That is not a line of this order."), "items")
        left = left_to_pack[line_id]
        if quantity > left:
            _invalid(
                _("Only %(left)s of that line are left to pack.") % {"left": left},
                f"items.{line_id}",
            )


def _next_serial(name: str) -> int:
    sequence, _created = WaybillSequence.objects.get_or_create(name=name)
    sequence = WaybillSequence.objects.select_for_update().get(pk=sequence.pk)
    value = sequence.next_value
    sequence.next_value = value + 1
    sequence.save(update_fields=["next_value"])
    return value


def _house_waybill_next(hub_code: str) -> str:
    """The hub's next house waybill; its eight digits of serial run out after 99,999,999
    parcels, and the hub then starts a new block (a new series) before packing more."""
    serial = _next_serial(f"HAWB-{hub_code}")
    if serial >= HOUSE_SERIALS:
        raise ConflictError(
            _("Hub %(hub)s has used its 100 million house waybill serials; start a new block.")
            % {"hub": hub_code},
            LogisticsErrorCode.HAWB_EXHAUSTED,
        )
    return house_waybill(hub_code, serial)


def parcel_drop_off_book(*, parcel: Parcel, at: datetime, actor) -> Parcel:
    """The seller says when it brings the parcel to the centre (the hub plans its floor)."""
    if actor is not None and not can_act_for(actor, parcel.order.seller, Perm.ORDERS_TRADE):
        raise NotAllowedError(
            _("Only the seller books its drop-offs."), LogisticsErrorCode.NOT_SELLER
        )
    if at < timezone.now():
        _invalid(_("Choose a time from now on."), "drop_off_at")
    if not parcel.facility.takes_parcels_at(at):
        _invalid(
            _("%(centre)s takes parcels %(hours)s: choose a time then.")
            % {"centre": parcel.facility.name, "hours": opening_hours_text(parcel.facility)},
            "drop_off_at",
        )
    with transaction.atomic():
        locked = Parcel.objects.select_for_update().get(pk=parcel.pk)
        if locked.status != Parcel.Status.BOOKED:
            return parcel_transition(
                parcel=parcel,
                to=Parcel.Status.BOOKED,
                sources=[Parcel.Status.CREATED],
                actor=actor,
                drop_off_at=at,
            )
        # booked again: the drop-off moved (the status stays, the audit row says when to)
        locked.drop_off_at = at
        locked.save(update_fields=["drop_off_at", "updated_at"])
        move = PARCEL_MOVES[(Parcel.Status.CREATED, Parcel.Status.BOOKED)]
        tracking_record(
            [locked.pk],
            move.code,
            place=parcel.facility.hub.code,
            actor_label=actor.email if actor else "system",
            note=drop_off_note(at),
        )
        audit_record(
            actor=actor,
            action=move.action,
            target=locked,
            data={"from": locked.status, "drop_off_at": at.isoformat()},
        )
    return locked
