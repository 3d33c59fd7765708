"""Cycle counts and stock adjustments. The operators count a location's lots; a difference,
like damaged, expired or destroyed goods, becomes an adjustment. In a bonded warehouse a
customs officer of the hub approves it before the stock and the ledger change (warehousing/
law.py); elsewhere it applies at once under the operator's name."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError, ConflictError

from ..errors import WarehousingErrorCode
from ..models import Adjustment, LedgerEntry, StockLot, Warehouse
from .people import check_officer, check_operator, move

MOVEMENT = {
    Adjustment.Kind.COUNT: LedgerEntry.Movement.ADJUSTED,
    Adjustment.Kind.DAMAGED: LedgerEntry.Movement.DESTROYED,
    Adjustment.Kind.EXPIRED: LedgerEntry.Movement.DESTROYED,
    Adjustment.Kind.DESTROYED: LedgerEntry.Movement.DESTROYED,
}


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


def adjustment_request(
    *, stock_lot: StockLot, kind: str, quantity: int, reason: str, actor
) -> Adjustment:
    """Damaged, expired or destroyed units (``quantity`` negative), or a count's difference."""
    warehouse = stock_lot.warehouse
    check_operator(actor, warehouse)
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
    if stock_lot.on_hand + quantity < stock_lot.reserved:
        raise _invalid(
            _("%(reserved)s of these units are reserved by orders; at most %(free)s can go.")
            % {"reserved": stock_lot.reserved, "free": stock_lot.available},
            "quantity",
        )
    with transaction.atomic():
        adjustment = Adjustment.objects.create(
            stock_lot=stock_lot,
            kind=kind,
            quantity=quantity,
            reason=reason.strip()[:300],
            requested_by=actor,
            counted=stock_lot.on_hand + quantity if kind == Adjustment.Kind.COUNT else None,
            expected=stock_lot.on_hand if kind == Adjustment.Kind.COUNT else None,
        )
        if not warehouse.is_bonded:
            adjustment = _decide(adjustment, approve=True, actor=actor, note="")
    return adjustment


def cycle_count(*, warehouse: Warehouse, counts: list[Count], actor) -> list[Adjustment]:
    """Record a count of some of the warehouse's lots: each difference from the books becomes
    an adjustment (awaiting an officer in a bonded warehouse)."""
    check_operator(actor, warehouse)
    lots = {lot.pk: lot for lot in warehouse.stock.filter(pk__in=[c.stock_lot_id for c in counts])}
    adjustments = []
    with transaction.atomic():
        for index, count in enumerate(counts):
            lot = lots.get(count.stock_lot_id)
            if lot is None:
                raise _invalid(_("That lot is not in this warehouse."), f"counts.{index}")
            if count.counted < 0:
                raise _invalid(_("A count is 0 or more."), f"counts.{index}.counted")
            if count.counted != lot.on_hand:
                adjustments.append(
                    adjustment_request(
                        stock_lot=lot,
                        kind=Adjustment.Kind.COUNT,
                        quantity=count.counted - lot.on_hand,
                        reason=_("Cycle count: %(counted)s counted, %(books)s on the books.")
                        % {"counted": count.counted, "books": lot.on_hand},
                        actor=actor,
                    )
                )
    return adjustments


def adjustment_decide(
    *, adjustment: Adjustment, approve: bool, actor, note: str = ""
) -> Adjustment:
    """A customs officer of the warehouse's hub approves (the stock and ledger change) or
    rejects an adjustment of bonded stock."""
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
    lot = StockLot.objects.select_for_update().get(pk=adjustment.stock_lot_id)
    if lot.on_hand + adjustment.quantity < lot.reserved:
        raise ConflictError(
            _("Orders have reserved these units since; count the lot again."),
            WarehousingErrorCode.OUT_OF_STOCK,
        )
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
