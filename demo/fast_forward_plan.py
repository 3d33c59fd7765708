"""What the demo's next fast-forward press would do to an order (fast_forward.py), or who of
the journey must act before it can do anything: read from the order's state, nothing written.
The order's page shows it beside the button, and each press asks it again under the order's
lock before every leg."""

from dataclasses import dataclass
from enum import StrEnum

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy

from customs.models import Declaration, Lane
from customs.selectors import declarations_of_order
from hubs.models import Hub, Order, User
from hubs.selectors import hub_officials
from logistics.models import Parcel
from logistics.selectors import flight_boardable, parcels_of_order
from payments.models import Payout
from payments.selectors import order_payout_latest
from pipeline.customs_filing import EXPORT_REGIMES, import_regime

Status = Parcel.Status
GONE = (Status.RETURNED, Status.EXCEPTION)  # not coming: the pipeline settles these


class Leg(StrEnum):
    RECEIVE = "receive"  # the origin hub's receive scan and weighing
    FLY = "fly"  # consolidation, departure, landing
    DELIVER = "deliver"  # the destination's last mile
    RELEASE = "release"  # the buyer's confirmation window ends: escrow released
    PAY_OUT = "pay_out"  # the payout batch and the bank's word


JOURNEY = list(Leg)
GOODS = (Leg.RECEIVE, Leg.FLY, Leg.DELIVER)


@dataclass(frozen=True)
class Plan:
    leg: Leg | None  # what the next press does first; None: nothing it may do now
    text: str  # that, or who must act first, in the reader's language


NEXT = {
    Leg.RECEIVE: gettext_lazy(
        "Next press: the hub operator at %(origin)s scans the goods in and weighs them at "
        "their declared weight; the journey then runs on until a person must act."
    ),
    Leg.FLY: gettext_lazy(
        "Next press: the goods are loaded on the next flight from %(origin)s with room, which "
        "departs and lands at %(destination)s now; the journey then runs on until a person "
        "must act."
    ),
    Leg.DELIVER: gettext_lazy(
        "Next press: the courier at %(destination)s delivers the goods to the buyer, which "
        "starts the buyer's confirmation window."
    ),
    Leg.RELEASE: gettext_lazy(
        "Next press: the buyer's confirmation window (open until %(due)s) ends now, and "
        "escrow is released to the seller as when it passes."
    ),
    Leg.PAY_OUT: gettext_lazy(
        "Next press: the payout of %(amount)s goes to %(bank)s in a payout batch, and the "
        "bank reports it paid: the order is settled."
    ),
}
WAITING = {
    "busy": gettext_lazy(
        "The hub's automatic steps for this order are still running: reload the page in a moment."
    ),
    "buyer_pays": gettext_lazy("Waiting for the buyer to pay for the order."),
    "seller_packs": gettext_lazy(
        "Waiting for the seller to pack the goods and hand them in at %(hub)s."
    ),
    "parcel_held": gettext_lazy(
        "Waiting for a hub operator at %(hub)s to release the hold on parcel %(waybill)s."
    ),
    "weight": gettext_lazy(
        "Waiting for a customs officer at %(hub)s to accept the measured weight of parcel "
        "%(waybill)s."
    ),
    "export_unfiled": gettext_lazy(
        "Waiting for the seller to correct the goods and file the export declaration under "
        "Declarations."
    ),
    "import_unfiled": gettext_lazy(
        "Waiting for the import declaration: the hub files it when the goods land; if it "
        "could not, %(importer)s files it under Declarations."
    ),
    "lane": gettext_lazy(
        "Waiting for a customs officer at %(hub)s to decide declaration %(reference)s (%(lane)s)."
    ),
    "held": gettext_lazy(
        "Waiting for a customs officer at %(hub)s to end the hold on declaration %(reference)s."
    ),
    "classify": gettext_lazy(
        "Waiting for a customs officer at %(hub)s to classify the goods of declaration "
        "%(reference)s."
    ),
    "window_held": gettext_lazy(
        "Waiting for a customs officer at %(hub)s to end the hold on declaration "
        "%(reference)s: the buyer's confirmation window stands still meanwhile."
    ),
    "no_operator": gettext_lazy(
        "%(hub)s has no active hub operator to handle the goods: an administrator must add one."
    ),
    "no_flight": gettext_lazy(
        "No flight from %(origin)s to %(destination)s is scheduled after the loading cut-off "
        "with room for the goods: a hub operator at %(origin)s must load the carriers' "
        "schedule."
    ),
    "disputed": gettext_lazy("Waiting for an MDEC officer to decide the buyer's dispute."),
    "account_review": gettext_lazy(
        "Waiting for an MDEC officer to check the seller's payout account."
    ),
    "account_missing": gettext_lazy(
        "Waiting for the seller's owners to enter a payout account the bank accepts."
    ),
    "payout_rejected": gettext_lazy(
        "Waiting for an MDEC officer to look into the payouts the bank rejected."
    ),
    "settled": gettext_lazy("The order is settled: its journey is over."),
    "over": gettext_lazy("The order is %(status)s: nothing is left to fast-forward."),
}


def order_fast_forward_plan(order: Order) -> Plan:
    """What the next press does to ``order``, or who must act before it can."""
    return PLANNERS.get(order.status, _plan_over)(order)


def _wait(key: str, **names) -> Plan:
    return Plan(None, str(WAITING[key]) % names if names else str(WAITING[key]))


def _plan_unpaid(order: Order) -> Plan:
    return _wait("buyer_pays")


def _plan_disputed(order: Order) -> Plan:
    return _wait("disputed")


def _plan_over(order: Order) -> Plan:
    if order.status == Order.Status.SETTLED:
        return _wait("settled")
    return _wait("over", status=order.get_status_display().lower())


def _plan_goods(order: Order) -> Plan:
    """Paid to shipped: the leg of the parcel furthest behind that can move, else the first
    person one of them waits for."""
    parcels = list(parcels_of_order(order=order))
    going = [parcel for parcel in parcels if parcel.status not in GONE]
    if not going:
        return _wait("busy") if parcels else _wait("seller_packs", hub=order.origin_hub.code)
    declarations = list(declarations_of_order(order=order))
    nexts = [_parcel_next(order, parcel, declarations) for parcel in going]
    legs = [each for each in nexts if isinstance(each, Leg)]
    if legs:
        return _goods_plan(order, min(legs, key=JOURNEY.index))
    return next((each for each in nexts if each is not None), _wait("busy"))


def _parcel_next(order: Order, parcel: Parcel, declarations) -> Leg | Plan | None:
    """A parcel's next leg, or who it waits for; None while the hub's own steps run."""
    if parcel.status in Parcel.BEFORE_HUB:
        return Leg.RECEIVE
    if parcel.status in (Status.MANIFESTED, Status.DEPARTED):
        return Leg.FLY
    if parcel.status == Status.OUT_FOR_DELIVERY:
        return Leg.DELIVER
    if parcel.status == Status.HELD:
        return _wait("parcel_held", hub=order.origin_hub.code, waybill=parcel.waybill)
    if parcel.status == Status.RECEIVED:
        return _at_origin(order, parcel, declarations)
    if parcel.status == Status.ARRIVED:
        imported = _latest(declarations, {import_regime(order)})
        if imported is not None and imported.status == Declaration.Status.RELEASED:
            return Leg.DELIVER
        importer = order.buyer if order.buyer_id else order.seller
        unfiled = _wait("import_unfiled", importer=importer.legal_name)
        return _customs_wait(imported, unfiled)
    return None  # delivered: the pipeline delivers the order


def _at_origin(order: Order, parcel: Parcel, declarations) -> Leg | Plan | None:
    if parcel.weight_flagged:
        return _wait("weight", hub=order.origin_hub.code, waybill=parcel.waybill)
    if parcel.export_released_at is None:
        export = _latest(declarations, set(EXPORT_REGIMES.values()))
        return _customs_wait(export, _wait("export_unfiled"))
    now = timezone.now()
    if flight_boardable(eroad=parcel.eroad, weight_kg=parcel.weight_kg, now=now) is None:
        return Plan(None, no_flight_text(order))
    return Leg.FLY


def no_flight_text(order: Order) -> str:
    """No flight to load the goods on: the fast-forward invents none, an operator loads the
    carriers' schedule (logistics.services.flights)."""
    names = {"origin": order.origin_hub.code, "destination": order.destination_hub.code}
    return str(WAITING["no_flight"]) % names


def _latest(declarations, regimes: set[str]) -> Declaration | None:
    return next((d for d in reversed(declarations) if d.regime in regimes), None)


def _customs_wait(declaration: Declaration | None, unfiled: Plan) -> Plan | None:
    """Who a declaration waits for; None when customs' automatic steps or the pipeline have
    it (submitted, assessed; released or rejected, and followed up)."""
    if declaration is None or declaration.status == Declaration.Status.DRAFT:
        return unfiled
    names = {"hub": declaration.hub.code, "reference": declaration.reference}
    if declaration.status == Declaration.Status.LANE:
        lane = Lane(declaration.lane).label if declaration.lane else ""
        return _wait("lane", lane=lane, **names)
    officers = {Declaration.Status.HELD: "held", Declaration.Status.CLASSIFY: "classify"}
    if declaration.status in officers:
        return _wait(officers[declaration.status], **names)
    return None


def _goods_plan(order: Order, leg: Leg) -> Plan:
    """A leg of the goods, unless the hub whose operator does it has none."""
    hub = {Leg.RECEIVE: order.origin_hub, Leg.DELIVER: order.destination_hub}.get(leg)
    if hub is not None and hub_operator(hub) is None:
        return _wait("no_operator", hub=hub.code)
    names = {"origin": order.origin_hub.code, "destination": order.destination_hub.code}
    return Plan(leg, str(NEXT[leg]) % names)


def _plan_window(order: Order) -> Plan:
    """Delivered: the buyer's confirmation window, unless a customs hold stops it."""
    if order.confirmation_paused:
        declarations = reversed(list(declarations_of_order(order=order)))
        held = next((d for d in declarations if d.status == Declaration.Status.HELD), None)
        if held is None:
            return _wait("busy")
        return _wait("window_held", hub=held.hub.code, reference=held.reference)
    due = timezone.localtime(order.confirmation_due_at)
    return Plan(
        Leg.RELEASE,
        str(NEXT[Leg.RELEASE]) % {"due": formats.date_format(due, "SHORT_DATETIME_FORMAT")},
    )


def _plan_payout(order: Order) -> Plan:
    """Completed: the seller's payout on its way to the bank, or what holds it."""
    payout = order_payout_latest(order=order)
    if payout is not None and payout.status == Payout.Status.SETTLED:
        return _wait("busy")  # the pipeline settles the order
    if payout is not None and payout.status in Payout.LIVE:
        names = {"amount": payout.amount, "bank": payout.bank.application.name}
        return Plan(Leg.PAY_OUT, str(NEXT[Leg.PAY_OUT]) % names)
    seller = order.seller
    if seller.payout_account_hold == "review":
        return _wait("account_review")
    if seller.payout_account_hold or not (seller.payout_bic and seller.payout_account_number):
        return _wait("account_missing")
    # rejected for the bank's own reasons and not sent again; or not requested yet
    return _wait("payout_rejected" if payout is not None else "busy")


PLANNERS = {
    Order.Status.PLACED: _plan_unpaid,
    Order.Status.AWAITING_PAYMENT: _plan_unpaid,
    Order.Status.PAID: _plan_goods,
    Order.Status.IN_CUSTOMS: _plan_goods,
    Order.Status.SHIPPED: _plan_goods,
    Order.Status.DELIVERED: _plan_window,
    Order.Status.DISPUTED: _plan_disputed,
    Order.Status.COMPLETED: _plan_payout,
}


def hub_operator(hub: Hub) -> User | None:
    """The hub operator who does a scan of the fast-forward (the first active one)."""
    return hub_officials(hub=hub).filter(official_role=User.OfficialRole.HUB_OPERATOR).first()


def import_released(order: Order) -> bool:
    return any(
        d.status == Declaration.Status.RELEASED and d.regime == import_regime(order)
        for d in declarations_of_order(order=order)
    )
