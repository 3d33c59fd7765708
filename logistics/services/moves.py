"""The moves of parcels and flights along their TRANSITIONS, in the one shape of a state
change (ewtp/common/states.py): what each move of a parcel is called in the audit trail and
on its tracking timeline, the move of one parcel (the seller's booking, the operators'
scans), the check a batch of parcels moving in one statement passes first (a consolidation
run, a flight's load), and the move of a flight, which carries the parcels on board with it.

A step on the floor names the states it starts from (``sources``): a parcel anywhere else,
already where the step would take it included, is refused, so a parcel scanned twice is
told; a move without them is idempotent, as the kernel's are.
"""

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record_bulk
from ewtp.common.errors import ConflictError
from ewtp.common.states import Refusal, state_change
from hubs.models import ERoad

from ..errors import LogisticsErrorCode
from ..events import (
    FlightArrived,
    FlightDeparted,
    ParcelDelivered,
    ParcelLost,
    ParcelReceived,
    ParcelReturned,
)
from ..models import Flight, Parcel, TrackingEvent
from .tracking import tracking_record

Code, Status = TrackingEvent.Code, Parcel.Status


class ParcelMove(NamedTuple):
    action: str  # the audit row's
    code: str  # the tracking event's


def _moves(sources, to: str, action: str, code: str) -> dict[tuple[str, str], ParcelMove]:
    return {(source, to): ParcelMove(f"logistics.parcel.{action}", code) for source in sources}


# Every move of Parcel.TRANSITIONS as the trail and the timeline name it. Three reach
# RECEIVED: the hub's receipt, a hold's release, and an offload from a cancelled flight.
PARCEL_MOVES = {
    **_moves([Status.CREATED], Status.BOOKED, "booked", Code.BKD),
    **_moves(Parcel.BEFORE_HUB, Status.RECEIVED, "received", Code.RCS),
    **_moves([Status.RECEIVED], Status.HELD, "held", Code.HLD),
    **_moves([Status.HELD], Status.RECEIVED, "hold_released", Code.HRL),
    **_moves(
        [*Parcel.BEFORE_HUB, Status.RECEIVED, Status.HELD], Status.RETURNED, "returned", Code.RTS
    ),
    **_moves([Status.RECEIVED], Status.MANIFESTED, "manifested", Code.MAN),
    **_moves([Status.MANIFESTED], Status.RECEIVED, "offloaded", Code.OFLD),
    **_moves([Status.MANIFESTED], Status.DEPARTED, "departed", Code.DEP),
    **_moves([Status.DEPARTED], Status.ARRIVED, "arrived", Code.ARR),
    **_moves([Status.ARRIVED], Status.OUT_FOR_DELIVERY, "out_for_delivery", Code.NFD),
    **_moves([Status.OUT_FOR_DELIVERY], Status.DELIVERED, "delivered", Code.DLV),
    **_moves(
        [Status.DEPARTED, Status.ARRIVED, Status.OUT_FOR_DELIVERY],
        Status.EXCEPTION,
        "lost",
        Code.EXC,
    ),
}
# handled by the destination's operators, at the destination; the other single moves are
# on the origin's floor
AT_DESTINATION = {Status.OUT_FOR_DELIVERY, Status.DELIVERED, Status.EXCEPTION}


def state_change_from(
    instance, to: str, *, sources: Collection[str] | None, refusal: Refusal, **change
) -> tuple[Any, bool]:
    """``state_change`` for a step that starts only from ``sources`` (a floor scan, a flight's
    cancellation): the row anywhere else, already at ``to`` included, is refused with
    ``refusal``. Without ``sources`` it is ``state_change`` itself."""

    def guard(locked) -> None:
        if sources is not None and locked.state not in sources:
            raise refusal(locked, to)

    locked, moved = state_change(instance, to, refusal=refusal, guard=guard, **change)
    if not moved:  # already at ``to``: the kernel returned before the guard
        guard(locked)
    return locked, moved


def _refusal(locked: Parcel, to: str) -> ConflictError:
    if to == Status.BOOKED:  # only the seller books, and only before the hub has it
        message = _("The hub already has this parcel.")
    else:
        message = _("Parcel %(waybill)s is %(status)s.") % {
            "waybill": locked.waybill,
            "status": locked.get_status_display(),
        }
    return ConflictError(message, LogisticsErrorCode.PARCEL_STATE)


def _action(to: str, sources: Collection[str] | None) -> str:
    actions = {
        move.action
        for (source, target), move in PARCEL_MOVES.items()
        if target == to and (sources is None or source in sources)
    }
    if len(actions) != 1:
        raise ValueError(f"Name the sources of the move to {to}: it is {sorted(actions)}.")
    return actions.pop()


def parcel_transition(
    *,
    parcel: Parcel,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    sources: Collection[str] | None = None,
    drop_off_at: datetime | None = None,
) -> Parcel:
    """Move one parcel to ``to``: lock it, set what the move implies (the drop-off time it
    was booked for, when the hub received it, why it is held), and record its tracking
    event, the audit row and the event the other layers wait for (received, returned,
    delivered, lost), in one transaction (the caller's, where it has one). ``sources``: the
    states the step starts from (see the module); a move to RECEIVED names them, since three
    moves reach it."""
    action = _action(to, sources)
    label = actor_label or (actor.email if actor is not None else "system")
    place = parcel.eroad.destination.code if to in AT_DESTINATION else parcel.facility.hub.code
    note = reason
    data = {"waybill": parcel.waybill}
    if to == Status.BOOKED:
        note = drop_off_note(drop_off_at)
        data["drop_off_at"] = drop_off_at.isoformat()

    def apply(locked: Parcel, before: str) -> list[str]:
        if to == Status.BOOKED:
            locked.drop_off_at = drop_off_at
            return ["drop_off_at"]
        if to == Status.HELD:
            locked.hold_reason = reason.strip()[:200]
            return ["hold_reason"]
        if before == Status.HELD and to == Status.RECEIVED:
            locked.hold_reason = ""
            return ["hold_reason"]
        if before in Parcel.BEFORE_HUB and to == Status.RECEIVED:
            locked.received_at = timezone.now()
            return ["received_at"]
        return []

    def track(locked: Parcel, before: str) -> None:
        code = PARCEL_MOVES[(before, to)].code
        tracking_record([locked.pk], code, place=place, actor_label=label, note=note)

    locked, _moved = state_change_from(
        parcel,
        to,
        sources=sources,
        refusal=_refusal,
        action=action,
        actor=actor,
        actor_label=label,
        reason=reason,
        data=data,
        apply=apply,
        history=track,
        event=lambda locked, before: _event(locked, before, reason),
    )
    return locked


def drop_off_note(at: datetime) -> str:
    """The booking's line on the timeline."""
    return f"Drop-off {at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _event(locked: Parcel, before: str, reason: str):
    """What the pipeline and the channels hear of: the hub has the parcel, it went back to
    the seller, it was delivered, or lost (the buyer's claim)."""
    parcel = {"parcel_id": locked.pk, "order_id": locked.order_id, "waybill": locked.waybill}
    if locked.status == Status.RECEIVED and before in Parcel.BEFORE_HUB:
        return ParcelReceived(**parcel)
    if locked.status == Status.RETURNED:
        return ParcelReturned(**parcel, reason=reason[:200])
    if locked.status == Status.DELIVERED:
        return ParcelDelivered(**parcel)
    if locked.status == Status.EXCEPTION:
        return ParcelLost(**parcel, reason=reason[:200])
    return None


def parcels_batch_move(*, before: str, to: str) -> ParcelMove:
    """The move of parcels written in one statement for a whole batch, on purpose: a
    consolidation run boards up to 100,000 of them (bench/consolidation.py) and a flight
    carries thousands, where a locked row at a time would take minutes. Their rows are chosen
    by ``status = before``, so checking the map once here stands for each row. Returns how
    the trail and the timeline name the move."""
    if to not in Parcel.TRANSITIONS[before]:
        raise ConflictError(
            _("Parcels that are %(status)s cannot become %(to)s.")
            % {"status": Status(before).label, "to": Status(to).label},
            LogisticsErrorCode.PARCEL_STATE,
        )
    return PARCEL_MOVES[(before, to)]


def _flight_refusal(locked: Flight, to: str) -> ConflictError:
    return ConflictError(
        _("Flight %(number)s has %(status)s.")
        % {"number": locked.number, "status": locked.get_status_display()},
        LogisticsErrorCode.FLIGHT_STATE,
    )


def flight_transition(
    *,
    flight: Flight,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    sources: Collection[str] | None = None,
    now: datetime | None = None,
) -> Flight:
    """Move a flight to ``to`` with the parcels on board, in one transaction: departing and
    landing carry its parcels on (manifested → departed → arrived) and record the event the
    pipeline waits for; a cancellation offloads them back to the floor (received, with
    ``reason`` on their timeline), empties its load and keeps ``reason``. The flight is
    audited with how many parcels moved, each parcel with its own row. The returned flight's
    ``parcels_moved`` says how many moved with it. ``now``: the flight moved ahead of its
    schedule (tracking says when); ``sources`` as in state_change_from."""
    carried: list[tuple[int, int]] = []  # (parcel, order) of each parcel that moved with it
    count = "parcels_offloaded" if to == Flight.Status.CANCELLED else "parcels"
    data: dict = {}  # filled by apply: the kernel writes the audit row after it

    def apply(locked: Flight, before: str) -> list[str]:
        carried.extend(
            _parcels_on_board_move(
                locked,
                flight.eroad,
                to,
                actor=actor,
                actor_label=actor_label,
                reason=reason,
                now=now,
            )
        )
        data[count] = len(carried)
        if to != Flight.Status.CANCELLED:
            return []
        locked.status_reason = reason[:200]
        locked.loaded_kg, locked.loaded_pieces = 0, 0
        return ["status_reason", "loaded_kg", "loaded_pieces"]

    def event(locked: Flight, before: str):
        order_ids = sorted({order for _parcel, order in carried})
        if to == Flight.Status.DEPARTED:
            return FlightDeparted(flight_id=locked.pk, order_ids=order_ids)
        if to == Flight.Status.ARRIVED:
            return FlightArrived(flight_id=locked.pk, order_ids=order_ids)
        return None

    locked, _moved = state_change_from(
        flight,
        to,
        sources=sources,
        refusal=_flight_refusal,
        action=f"logistics.flight.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data=data,
        apply=apply,
        event=event,
    )
    locked.parcels_moved = len(carried)
    return locked


# The parcels on board move with their flight: (the flight's new state) → theirs, from → to.
ON_BOARD = {
    Flight.Status.DEPARTED: (Parcel.Status.MANIFESTED, Parcel.Status.DEPARTED),
    Flight.Status.ARRIVED: (Parcel.Status.DEPARTED, Parcel.Status.ARRIVED),
    Flight.Status.CANCELLED: (Parcel.Status.MANIFESTED, Parcel.Status.RECEIVED),
}


def _parcels_on_board_move(
    flight: Flight, eroad: ERoad, to: str, *, actor, actor_label: str, reason: str, now
) -> list[tuple[int, int]]:
    """Move the parcels on board of ``flight`` (locked) as it moves to ``to``, in one UPDATE
    for all of them (parcels_batch_move says why), with a tracking event and an audit row
    each; returns (parcel, order) of those that moved. Tracking says a flight moved at its
    scheduled time (the beat runs after it), or at ``now`` when that is earlier."""
    before, after = ON_BOARD[to]
    move = parcels_batch_move(before=before, to=after)
    # locked, so the ids, the orders and the update agree
    moving = list(
        flight.parcels.select_for_update().filter(status=before).values_list("pk", "order_id")
    )
    ids = [pk for pk, _order in moving]
    on_board = Parcel.objects.filter(pk__in=ids)
    note = ""
    if to == Flight.Status.CANCELLED:
        on_board.update(flight=None, status=after, updated_at=timezone.now())
        note = f"Flight {flight.number} cancelled: {reason}"
        tracking_record(
            ids,
            move.code,
            place=eroad.origin.code,
            actor_label=actor_label,
            flight=flight,
            note=note,
        )
    else:
        on_board.update(status=after, updated_at=timezone.now())
        landed = to == Flight.Status.ARRIVED
        scheduled = flight.arrives_at if landed else flight.departs_at
        # landed, then on the destination's floor
        for code in (move.code, Code.RCF) if landed else (move.code,):
            tracking_record(
                ids,
                code,
                place=(eroad.destination if landed else eroad.origin).code,
                actor_label="carrier",
                flight=flight,
                at=min(scheduled, now or scheduled),
            )
    audit_record_bulk(
        actor=actor,
        actor_label=actor_label,
        action=move.action,
        model=Parcel,
        ids=ids,
        reason=note,
        data={"from": before, "flight": flight.pk},
    )
    return moving
