"""Cycle counts and stock adjustments. The operators count a location's lots; a difference,
like damaged, expired or destroyed goods, becomes an adjustment. In a bonded warehouse the
hub's policy under customs supervision (warehousing.law.ADJUSTMENTS) is that a customs
officer of the hub approves it before the stock and the ledger change; elsewhere it applies
at once under the operator's name.

One adjustment of a lot waits for an officer at a time (the model's constraint): a second
count or a double click is refused, never applied twice. A count keeps what the books said
when it was recorded; it is applied only while they still say so."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ewtp.common.errors import ApplicationError, ConflictError

from ..errors import WarehousingErrorCode
from ..models import Adjustment, Fulfilment, LedgerEntry, Reservation, StockLot, Warehouse
from .people import check_officer, check_operator, move

MOVEMENT = {
    Adjustment.Kind.COUNT: LedgerEntry.Movement.ADJUSTED,
    Adjustment.Kind.DAMAGED: LedgerEntry.Movement.DESTROYED,
    Adjustment.Kind.EXPIRED: LedgerEntry.Movement.DESTROYED,
    Adjustment.Kind.DESTROYED: LedgerEntry.Movement.DESTROYED,
}
# the lots one count records: a location at a time, and a page well under Django's
# DATA_UPLOAD_MAX_NUMBER_FIELDS (one field a lot)
MAX_LOTS_PER_COUNT = 200
# the orders a refusal names before it says "and n more"
ORDERS_NAMED = 5
# an order holds its units until they are picked: reserved, or released and on the pick list
HOLDING = (Fulfilment.Status.RESERVED, Fulfilment.Status.RELEASED)


@dataclass(frozen=True)
class Count:
    stock_lot_id: int
    counted: int


def _invalid(message, field=None) -> ApplicationError:
    return ApplicationError(
        message,
        WarehousingErrorCode.ADJUSTMENT_INVALID,
        extra={"field": field} if field else None,
    )


def _refusal(locked, to) -> ConflictError:
    return ConflictError(
        _("This adjustment is %(status)s already.")
        % {"status": locked.get_status_display().lower()},
        WarehousingErrorCode.ADJUSTMENT_STATE,
    )


def _already_waiting(waiting: Adjustment | None, field: str) -> ConflictError:
    if waiting is None:  # the other request committed while this one was being written
        message = _(
            "An adjustment of this lot was just recorded and waits for a customs officer: "
            "this one is not recorded."
        )
    else:
        message = _(
            "%(document)s (%(kind)s, %(units)s) already waits for a customs officer for this "
            "lot: it is decided first, then the lot can be adjusted or counted again."
        ) % {
            "document": waiting.document,
            "kind": waiting.get_kind_display().lower(),
            "units": f"{waiting.quantity:+}",
        }
    return ConflictError(message, WarehousingErrorCode.ADJUSTMENT_WAITING, extra={"field": field})


def adjustment_transition(
    *, adjustment: Adjustment, to: str, actor=None, actor_label: str = "", **options
) -> Adjustment:
    """Move an Adjustment along its TRANSITIONS (ewtp.common.states), the one way its
    status changes, audited as ``warehousing.adjustment.<to>``. ``options``: state_change's reason,
    data, apply, event and guard."""
    return move(
        adjustment,
        to,
        refusal=_refusal,
        action=f"warehousing.adjustment.{to}",
        actor=actor,
        actor_label=actor_label,
        **options,
    )


def _check_request(kind: str, quantity: int, reason: str) -> None:
    if kind not in Adjustment.Kind.values:
        raise _invalid(_("Choose what happened to the goods."), "kind")
    if not quantity:
        raise _invalid(_("An adjustment changes the stock by at least one unit."), "quantity")
    if kind != Adjustment.Kind.COUNT and quantity > 0:
        raise _invalid(
            _("Damaged, expired or destroyed goods can only leave the stock."), "quantity"
        )
    if not reason.strip():
        raise _invalid(_("Say why the stock changes."), "reason")


def adjustment_request(
    *, stock_lot: StockLot, kind: str, quantity: int, reason: str, actor
) -> Adjustment:
    """Damaged, expired or destroyed units (``quantity`` negative), or a count's difference
    from the books as they stand now.

    A count may find fewer units than orders hold (a theft or a loss is real all the same):
    it is recorded, and its approval is refused until the orders are picked or cancelled.
    Goods written off as damaged, expired or destroyed are only the units no order holds.
    Refused (409) while another adjustment of the lot waits for an officer."""
    check_operator(actor, stock_lot.warehouse)
    _check_request(kind, quantity, reason)
    with transaction.atomic():
        lot = _locked(stock_lot.pk)
        if kind == Adjustment.Kind.COUNT and lot.on_hand + quantity < 0:
            raise _invalid(
                _("Only %(units)s units are on the books: a count finds 0 or more.")
                % {"units": lot.on_hand},
                "quantity",
            )
        # with one adjustment waiting per lot at most, the books less this one are all the
        # pending write-offs of the lot: none can take units an order holds
        if kind != Adjustment.Kind.COUNT and lot.on_hand + quantity < lot.reserved:
            raise _invalid(
                _("%(reserved)s of these units are reserved by orders; at most %(free)s can go.")
                % {"reserved": lot.reserved, "free": lot.available},
                "quantity",
            )
        return _record(lot, kind=kind, quantity=quantity, reason=reason, actor=actor, field="lot")


def _locked(lot_id: int) -> StockLot:
    # the lot's row only (of=self): its warehouse is read, not locked
    return (
        StockLot.objects.select_for_update(of=("self",)).select_related("warehouse").get(pk=lot_id)
    )


def _waiting(lot: StockLot) -> Adjustment | None:
    return Adjustment.objects.filter(stock_lot=lot, status=Adjustment.Status.REQUESTED).first()


def _record(lot: StockLot, *, kind, quantity, reason, actor, field: str) -> Adjustment:
    """Write the adjustment of a locked lot (a count: with the books it was taken against);
    outside a bonded warehouse it applies at once. Runs in the caller's transaction."""
    waiting = _waiting(lot)
    if waiting is not None:
        raise _already_waiting(waiting, field)
    counting = kind == Adjustment.Kind.COUNT
    try:
        # a savepoint: a request that lost the race is refused, and the caller's
        # transaction (a whole count) stays usable to roll back cleanly
        with transaction.atomic():
            adjustment = Adjustment.objects.create(
                stock_lot=lot,
                kind=kind,
                quantity=quantity,
                reason=reason.strip()[:300],
                requested_by=actor,
                counted=lot.on_hand + quantity if counting else None,
                expected=lot.on_hand if counting else None,
            )
    except IntegrityError:  # adjustment_one_waiting_per_lot
        raise _already_waiting(None, field) from None
    if not lot.warehouse.is_bonded:
        try:
            adjustment = _decide(adjustment, approve=True, actor=actor, note="")
        except ApplicationError as error:  # applied now, refused now: on the field asked
            error.extra.setdefault("field", field)
            raise
    return adjustment


def cycle_count(*, warehouse: Warehouse, counts: list[Count], actor) -> list[Adjustment]:
    """Record a count of some of the warehouse's lots (at most MAX_LOTS_PER_COUNT, each
    once): each difference from the books becomes an adjustment (awaiting an officer in a
    bonded warehouse). The lots are locked while the count is recorded, so its books are
    the lots' as they stood then, in the order orders lock them (services/stock.py) so that
    a count and an order never deadlock. All or nothing: a refusal names the count."""
    check_operator(actor, warehouse)
    if len(counts) > MAX_LOTS_PER_COUNT:
        raise _invalid(
            _("A count records at most %(max)s lots: count a location at a time.")
            % {"max": MAX_LOTS_PER_COUNT},
            "counts",
        )
    adjustments, seen = [], set()
    with transaction.atomic():
        lots = {
            lot.pk: lot
            for lot in StockLot.objects.select_for_update(of=("self",))
            .select_related("warehouse")
            .filter(warehouse=warehouse, pk__in=[c.stock_lot_id for c in counts])
            .order_by("product_id", F("expires_on").asc(nulls_last=True), "id")
        }
        for index, count in enumerate(counts):
            field = f"counts.{index}"
            lot = lots.get(count.stock_lot_id)
            if lot is None:
                raise _invalid(_("That lot is not in this warehouse."), field)
            if count.stock_lot_id in seen:
                raise _invalid(_("This lot is counted twice."), field)
            seen.add(count.stock_lot_id)
            if count.counted < 0:
                raise _invalid(_("A count is 0 or more."), f"{field}.counted")
            if count.counted == lot.on_hand:
                continue
            reason = _("Cycle count: %(counted)s counted, %(books)s on the books.") % {
                "counted": count.counted,
                "books": lot.on_hand,
            }
            adjustments.append(
                _record(
                    lot,
                    kind=Adjustment.Kind.COUNT,
                    quantity=count.counted - lot.on_hand,
                    reason=reason,
                    actor=actor,
                    field=field,
                )
            )
    return adjustments


def adjustment_decide(
    *, adjustment: Adjustment, approve: bool, actor, note: str = ""
) -> Adjustment:
    """A customs officer of the warehouse's hub approves (the stock and ledger change) or
    rejects an adjustment of bonded stock. An approval is refused (409) when a count's lot
    changed since it was counted, or when the stock would fall below what orders hold; the
    officer rejects it then, with a note."""
    check_officer(actor, adjustment.stock_lot.warehouse)
    if not approve and not note.strip():
        raise _invalid(_("Say why the adjustment is rejected."), "note")
    return _decide(adjustment, approve=approve, actor=actor, note=note)


def _decide(adjustment: Adjustment, *, approve: bool, actor, note: str) -> Adjustment:
    to = Adjustment.Status.APPROVED if approve else Adjustment.Status.REJECTED

    def decided(row, before):
        row.decided_by = actor
        row.decided_at = timezone.now()
        row.decision_note = note.strip()[:300]
        if approve:
            _apply(row)
        return ["decided_by", "decided_at", "decision_note"]

    return adjustment_transition(
        adjustment=adjustment,
        to=to,
        actor=actor,
        reason=note,
        data={"quantity": adjustment.quantity, "kind": adjustment.kind},
        apply=decided,
    )


def _apply(adjustment: Adjustment) -> None:
    lot = _locked(adjustment.stock_lot_id)
    if adjustment.kind == Adjustment.Kind.COUNT and lot.on_hand != adjustment.expected:
        # units were picked, returned or adjusted since: the difference counted then is not
        # the difference now, and only a new count says what the shelf holds
        raise ConflictError(
            _(
                "The lot changed since it was counted (%(then)s on the books then, %(now)s "
                "now): count it again. Reject this count so that the lot can be counted."
            )
            % {"then": adjustment.expected, "now": lot.on_hand},
            WarehousingErrorCode.COUNT_OUTDATED,
        )
    if lot.on_hand + adjustment.quantity < lot.reserved:
        raise _held_by_orders(lot, left=lot.on_hand + adjustment.quantity)
    lot.on_hand += adjustment.quantity
    lot.save(update_fields=["on_hand", "updated_at"])
    if lot.warehouse.is_bonded:
        LedgerEntry.objects.create(
            warehouse_id=lot.warehouse_id,
            product_id=lot.product_id,
            lot=lot.lot,
            movement=MOVEMENT[adjustment.kind],
            quantity=adjustment.quantity,
            document=adjustment.document,
        )


def _held_by_orders(lot: StockLot, *, left: int) -> ConflictError:
    """The stock cannot fall below what orders hold (the database refuses it too): say which
    orders hold the units, so that the hub deals with them. No order is cancelled here."""
    references = list(
        Reservation.objects.filter(stock_lot=lot, fulfilment__status__in=HOLDING)
        .order_by("fulfilment__order__reference")
        .values_list("fulfilment__order__reference", flat=True)
        .distinct()[: ORDERS_NAMED + 1]
    )
    orders = ", ".join(references[:ORDERS_NAMED])
    if len(references) > ORDERS_NAMED:
        orders = _("%(orders)s and more") % {"orders": orders}
    figures = {"orders": orders or "—", "reserved": lot.reserved, "left": left}
    if lot.warehouse.is_bonded:
        message = ngettext(
            "%(reserved)s unit of this lot is held by orders not yet picked (%(orders)s) and "
            "only %(left)s would be left: the stock cannot fall below what orders hold. Reject "
            "the adjustment, or approve it once those orders are picked or cancelled.",
            "%(reserved)s units of this lot are held by orders not yet picked (%(orders)s) and "
            "only %(left)s would be left: the stock cannot fall below what orders hold. Reject "
            "the adjustment, or approve it once those orders are picked or cancelled.",
            lot.reserved,
        )
    else:
        message = ngettext(
            "%(reserved)s unit of this lot is held by orders not yet picked (%(orders)s) and "
            "only %(left)s would be left: the stock cannot fall below what orders hold. Record "
            "it once those orders are picked or cancelled.",
            "%(reserved)s units of this lot are held by orders not yet picked (%(orders)s) and "
            "only %(left)s would be left: the stock cannot fall below what orders hold. Record "
            "it once those orders are picked or cancelled.",
            lot.reserved,
        )
    return ConflictError(message % figures, WarehousingErrorCode.OUT_OF_STOCK)
