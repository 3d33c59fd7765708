"""Inbound shipments: the seller books a notice, the operators record the arrival (a bonded
warehouse's goods under their bulk entry declaration, duty suspended) and count the goods in.
What was counted goes into stock and, bonded, into the ledger; a line that differs from the
notice is a discrepancy the seller is told of."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError

from ..errors import WarehousingErrorCode
from ..events import InboundReceived
from ..models import InboundLine, InboundShipment, LedgerEntry, Location, StockLot, Warehouse
from .people import check_operator, check_seller, label_of, move

MAX_LINES = 200
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class InboundLineRequest:
    product: object  # hubs.models.Product
    quantity: int
    lot: str = ""
    expires_on: date | None = None


@dataclass(frozen=True)
class LineCount:
    """What the operators counted of one line: good units put away at ``location_code``,
    damaged units set aside."""

    line_id: int
    received: int
    damaged: int = 0
    location_code: str = ""
    note: str = ""


def _invalid(message, field=None) -> ApplicationError:
    return ApplicationError(
        message, WarehousingErrorCode.INBOUND_INVALID, extra={"field": field} if field else None
    )


def _refusal(locked, to) -> ConflictError:
    return ConflictError(
        _("Shipment %(reference)s is %(status)s.")
        % {"reference": locked.reference, "status": locked.get_status_display().lower()},
        WarehousingErrorCode.INBOUND_STATE,
    )


def inbound_shipment_transition(
    *, shipment: InboundShipment, to: str, actor=None, actor_label: str = "", **options
) -> InboundShipment:
    """Move an InboundShipment along its TRANSITIONS (ewtp.common.states), the one way its
    status changes, audited as ``warehousing.inbound.<to>``. ``options``: state_change's reason,
    data, apply, event and guard."""
    return move(
        shipment,
        to,
        refusal=_refusal,
        action=f"warehousing.inbound.{to}",
        actor=actor,
        actor_label=actor_label,
        **options,
    )


def _check_lines(seller, lines: list[InboundLineRequest]) -> None:
    if not 1 <= len(lines) <= MAX_LINES:
        raise _invalid(_("A shipment has 1 to %(max)s lines.") % {"max": MAX_LINES}, "lines")
    seen = set()
    today = timezone.localdate()
    for index, line in enumerate(lines):
        if line.product.seller_id != seller.pk:
            raise _invalid(
                _("This product is not listed by this seller."), f"lines.{index}.product"
            )
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise _invalid(
                _("Quantity is 1 to %(max)s.") % {"max": f"{MAX_QUANTITY:,}"},
                f"lines.{index}.quantity",
            )
        if line.expires_on is not None and line.expires_on <= today:
            raise _invalid(
                _("Goods that have expired cannot be stored for sale."),
                f"lines.{index}.expires_on",
            )
        key = (line.product.pk, line.lot.strip())
        if key in seen:
            raise _invalid(
                _("Each product and lot appears on one line only."), f"lines.{index}.lot"
            )
        seen.add(key)


def inbound_book(
    *,
    seller,
    warehouse: Warehouse,
    expected_on: date,
    lines: list[InboundLineRequest],
    actor,
    carrier_reference: str = "",
    actor_label: str = "",
) -> InboundShipment:
    """The seller's advance shipping notice: what is coming, to which warehouse, when."""
    check_seller(actor, seller)
    if not warehouse.is_active:
        raise _invalid(_("This warehouse takes no shipments now."), "warehouse")
    if not seller.can_sell:
        raise _invalid(_("Only a verified seller ships stock to a warehouse."), "seller")
    if expected_on < timezone.localdate():
        raise _invalid(_("The expected date is today or later."), "expected_on")
    _check_lines(seller, lines)
    with transaction.atomic():
        shipment = InboundShipment.objects.create(
            seller=seller,
            warehouse=warehouse,
            expected_on=expected_on,
            carrier_reference=carrier_reference.strip()[:40],
            booked_by=actor,
        )
        InboundLine.objects.bulk_create(
            InboundLine(
                shipment=shipment,
                line_no=number,
                product=line.product,
                lot=line.lot.strip(),
                expires_on=line.expires_on,
                quantity_expected=line.quantity,
            )
            for number, line in enumerate(lines, start=1)
        )
        audit_record(
            actor=actor,
            actor_label=actor_label or label_of(actor),
            action="warehousing.inbound.booked",
            target=shipment,
            data={"warehouse": warehouse.code, "lines": len(lines)},
        )
    return shipment


def inbound_cancel(*, shipment: InboundShipment, actor, reason: str = "") -> InboundShipment:
    check_seller(actor, shipment.seller)
    locked = inbound_shipment_transition(
        shipment=shipment,
        to=InboundShipment.Status.CANCELLED,
        actor=actor,
        actor_label=label_of(actor),
        reason=reason,
    )
    return locked


def inbound_arrive(
    *, shipment: InboundShipment, actor, entry_declaration: str = ""
) -> InboundShipment:
    """The goods are at the dock. Into a bonded warehouse they come under one bulk entry
    declaration (duty suspended), whose number the ledger's entries will name."""
    warehouse = shipment.warehouse
    check_operator(actor, warehouse)
    entry_declaration = entry_declaration.strip().upper()
    if warehouse.is_bonded and not entry_declaration:
        raise _invalid(
            _("Goods enter a bonded warehouse under their entry declaration: give its number."),
            "entry_declaration",
        )

    def arrived(locked, before):
        locked.arrived_at = timezone.now()
        locked.entry_declaration = entry_declaration[:40]
        return ["arrived_at", "entry_declaration"]

    locked = inbound_shipment_transition(
        shipment=shipment,
        to=InboundShipment.Status.ARRIVED,
        actor=actor,
        actor_label=label_of(actor),
        data={"entry_declaration": entry_declaration},
        apply=arrived,
    )
    return locked


def location_of(warehouse: Warehouse, code: str, field: str) -> Location:
    code = code.strip().upper()
    if not code:
        location = warehouse.locations.filter(is_receiving=True).first()
        if location is None:
            raise _invalid(_("Say where the goods were put away."), field)
        return location
    try:
        return warehouse.locations.get(code=code)
    except Location.DoesNotExist:
        raise _invalid(
            _("There is no location %(code)s in %(warehouse)s.")
            % {"code": code, "warehouse": warehouse.code},
            field,
        ) from None


def inbound_receive(
    *, shipment: InboundShipment, counts: list[LineCount], actor
) -> InboundShipment:
    """Count the shipment in: every line once. Good units go to stock at their location (and,
    bonded, into the ledger under the entry declaration); a line whose count differs from the
    notice, or that has damaged units, is a discrepancy, and the seller is told."""
    warehouse = shipment.warehouse
    check_operator(actor, warehouse)
    lines = {line.pk: line for line in shipment.lines.select_related("product")}
    by_line = {count.line_id: count for count in counts}
    if set(by_line) != set(lines) or len(by_line) != len(counts):
        raise _invalid(_("Count every line of the shipment once."), "lines")
    resolved = []
    for index, count in enumerate(counts):
        if not (0 <= count.received <= MAX_QUANTITY and 0 <= count.damaged <= MAX_QUANTITY):
            raise _invalid(
                _("Quantity is 0 to %(max)s.") % {"max": f"{MAX_QUANTITY:,}"},
                f"lines.{index}.received",
            )
        location = location_of(warehouse, count.location_code, f"lines.{index}.location")
        resolved.append((lines[count.line_id], count, location))

    def received(locked, before):
        locked.received_at = timezone.now()
        locked.received_by = actor
        discrepancies = 0
        for index, (line, count, location) in enumerate(resolved):
            line.quantity_received = count.received
            line.quantity_damaged = count.damaged
            line.location = location
            line.note = count.note.strip()[:200]
            line.save(update_fields=["quantity_received", "quantity_damaged", "location", "note"])
            discrepancies += line.has_discrepancy
            if count.received:
                _put_away(locked, line, location, count.received, field=f"lines.{index}.location")
        locked.discrepancies_found = discrepancies
        return ["received_at", "received_by"]

    # the put-away runs only when the shipment moves: a second count of it changes nothing
    return inbound_shipment_transition(
        shipment=shipment,
        to=InboundShipment.Status.RECEIVED,
        actor=actor,
        apply=received,
        guard=_must_have_arrived,
        event=lambda row, before: InboundReceived(
            shipment_id=row.pk, seller_id=row.seller_id, discrepancies=row.discrepancies_found
        ),
    )


def _must_have_arrived(row: InboundShipment) -> None:
    if row.status == InboundShipment.Status.BOOKED:
        raise ConflictError(
            _("Record the shipment's arrival before counting it in."),
            WarehousingErrorCode.INBOUND_STATE,
        )


def _put_away(
    shipment: InboundShipment, line: InboundLine, location: Location, units: int, *, field: str
):
    lot, created = StockLot.objects.select_for_update().get_or_create(
        location=location,
        product=line.product,
        lot=line.lot,
        defaults={
            "warehouse": shipment.warehouse,
            "seller_id": shipment.seller_id,
            "expires_on": line.expires_on,
        },
    )
    if not created and lot.expires_on != line.expires_on:
        # one lot, one expiry: units that expire apart are counted (and sold) apart
        raise _invalid(
            _(
                "Lot %(lot)s at %(location)s expires on %(expiry)s: put these units, which "
                "expire otherwise, at another location or under a lot of their own."
            )
            % {
                "lot": line.lot or "—",
                "location": location.code,
                "expiry": lot.expires_on.isoformat() if lot.expires_on else "—",
            },
            field,
        )
    lot.on_hand += units
    lot.save(update_fields=["on_hand", "updated_at"])
    if shipment.warehouse.is_bonded:
        LedgerEntry.objects.create(
            warehouse=shipment.warehouse,
            product=line.product,
            lot=line.lot,
            movement=LedgerEntry.Movement.IN,
            quantity=units,
            document=shipment.entry_declaration or shipment.reference,
        )
