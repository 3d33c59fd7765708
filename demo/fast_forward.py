"""The demo's fast-forward of one order: what would otherwise take days, the carriers, the
couriers or the bank, done now through the same services, so that an officer showing the hub
sees a journey end.

A press runs the order on, leg by leg, to the next point where a person of the journey must
act, and never does what a person must: the buyer pays, confirms or disputes; the seller packs
and hands in the goods; customs officers decide their lanes and weights; MDEC officers decide
disputes. The legs, each done by the actor the simulation gives it (simulation.py):

- received: the origin hub's operator scans the parcels in and weighs them at the weight
  declared;
- flown: the consolidation loads them on the next scheduled flight with room, which departs
  and lands now with everything on board (no flight is ever invented: without one the press
  says so);
- delivered: once import customs released them, the destination hub's operator sends them
  out for delivery and delivers them;
- released: the buyer's confirmation window ends now, and escrow is released as the sweep
  releases it when the window passes;
- paid out: the payout goes to its bank in a batch, and the demo's bank reports it paid.

After each leg the steps it set off run here at once, as the worker runs them (the pipeline's
event handlers, customs' assessment and routing); each is idempotent, so the worker's own
delivery later changes nothing, and the next leg starts from what they left. A press runs the
goods' legs back to back and stops at the delivered order (the buyer may still confirm or
dispute); a release and a payout are a press each, so that every milestone is seen.

Only with DEMO_TOOLS on, and only for an officer who oversees the hub. Each leg locks the
order and checks that it is still the leg the page offered: a second submit of the same page
finds the order moved on and does nothing. Each leg is audited as the officer's.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customs.models import Declaration
from customs.selectors import declarations_of_order
from customs.services.clearance import declaration_process
from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.outbox import (
    OutboxDispatchFailed,
    outbox_dispatch,
    outbox_last_event_id,
    outbox_pending_after,
)
from hubs.models import Order
from hubs.roles import can_oversee
from logistics.models import Parcel
from logistics.selectors import parcels_of_order
from logistics.services.consolidation import consolidations_build
from logistics.services.flights import flight_depart, flight_land
from logistics.services.floor import (
    parcel_deliver,
    parcel_out_for_delivery,
    parcel_receive,
    parcel_weigh,
)
from payments.models import Payout
from payments.selectors import order_payout_latest
from payments.services.escrow import WINDOW_ENDED, escrow_release
from payments.services.payouts import payout_status_report, payouts_batch

from .errors import DemoErrorCode
from .fast_forward_plan import (
    GOODS,
    Leg,
    Plan,
    hub_operator,
    import_released,
    no_flight_text,
    order_fast_forward_plan,
)

logger = logging.getLogger(__name__)

LABEL = "demo fast-forward"  # the actor of what time, the carriers and the system would do
AUDIT_ACTION = "pipeline.order.fast_forwarded"
MOST_LEGS = 8  # a press never loops: the journey has fewer legs than this
CATCH_UP_ROUNDS = 12  # each round runs what the previous one set off
Status = Parcel.Status
AUTOMATIC = (Declaration.Status.SUBMITTED, Declaration.Status.ASSESSED)


@dataclass(frozen=True)
class Outcome:
    done: tuple[str, ...]  # what the press did, a sentence per leg
    plan: Plan  # where the order stands now: the next press, or who must act
    moved_on: bool = False  # the leg asked for was done already: nothing was done
    error: str = ""  # why the last leg was refused (none of it happened)


def order_fast_forward(*, order: Order, actor, leg: str) -> Outcome:
    """Run ``order`` on from ``leg`` (the leg its page offered) to where a person must act.
    Each leg is its own transaction; a leg a service refuses is undone whole and ends the
    press with the reason, the legs before it stay done."""
    if not settings.DEMO_TOOLS:
        raise NotAllowedError(
            _("The demo tools are off on this hub."), DemoErrorCode.DEMO_TOOLS_OFF
        )
    if not can_oversee(actor):
        raise NotAllowedError(
            _("Only officers fast-forward an order."), DemoErrorCode.NOT_AN_OFFICER
        )
    done: list[str] = []
    expected: str | None = leg
    error = ""
    for _leg in range(MOST_LEGS):
        try:
            with transaction.atomic():
                ran = _leg_run(order, actor, expected)
        except ApplicationError as refused:
            error = refused.message
            break
        if ran is None:
            break
        done.append(ran[1])
        if ran[0] not in GOODS:
            break  # a release or a payout: a milestone of its own
        expected = None  # then whatever comes next
    plan = order_fast_forward_plan(Order.objects.get(pk=order.pk))
    moved_on = not done and not error and plan.leg is not None and plan.leg != leg
    return Outcome(tuple(done), plan, moved_on=moved_on, error=error)


def _leg_run(order: Order, actor, expected: str | None) -> tuple[Leg, str] | None:
    """The order's next leg, if it is the one ``expected`` (any of the goods' legs when
    None), under the order's lock; None when there is none to run."""
    locked = (
        Order.objects.select_for_update(of=("self",))
        .select_related("seller", "buyer", "origin_hub", "destination_hub")
        .get(pk=order.pk)
    )
    leg = order_fast_forward_plan(locked).leg
    if leg is None or (expected is not None and leg != expected):
        return None  # a person must act, or the page's leg was done already
    if expected is None and leg not in GOODS:
        return None  # a release or a payout waits for a press of its own
    since = outbox_last_event_id()
    sentence = LEGS[leg](locked)
    _pipeline_catch_up(locked, since=since)
    audit_record(
        actor=actor, action=AUDIT_ACTION, target=locked, reason=sentence, data={"leg": leg}
    )
    return leg, sentence


def _pipeline_catch_up(order: Order, *, since: int) -> None:
    """What the leg set off, run here and now as the worker would run it: the events recorded
    since ``since`` to their subscribers (the pipeline's steps, which record more), and the
    order's declarations through customs' automatic assessment and routing. A step that fails
    is left to the outbox's retries and the stuck sweeps, as on the worker."""
    tried: set[tuple[str, int]] = set()
    for _round in range(CATCH_UP_ROUNDS):
        events = [pk for pk in outbox_pending_after(event_id=since) if ("e", pk) not in tried]
        declarations = [
            d.pk
            for d in declarations_of_order(order=order)
            if d.status in AUTOMATIC and ("d", d.pk) not in tried
        ]
        if not events and not declarations:
            return
        for pk in events:
            tried.add(("e", pk))
            try:
                outbox_dispatch(event_id=pk)
            except OutboxDispatchFailed:
                logger.info("fast-forward: event %s failed; the outbox tries it again", pk)
        for pk in declarations:
            tried.add(("d", pk))
            try:
                declaration_process(declaration_id=pk)
            except ApplicationError as error:
                logger.info("fast-forward: declaration %s waits: %s", pk, error.message)


# --- the legs ---------------------------------------------------------------------------------


def _receive(order: Order) -> str:
    """The origin hub's receive scan and weighing, as its operator does them."""
    operator = hub_operator(order.origin_hub)
    waybills = []
    for parcel in parcels_of_order(order=order).filter(status__in=Parcel.BEFORE_HUB):
        received = parcel_receive(parcel=parcel, actor=operator)
        parcel_weigh(parcel=received, measured_kg=received.declared_weight_kg, actor=operator)
        waybills.append(parcel.waybill)
    return ngettext(
        "Parcel %(waybills)s received and weighed at %(hub)s.",
        "Parcels %(waybills)s received and weighed at %(hub)s.",
        len(waybills),
    ) % {"waybills": ", ".join(waybills), "hub": order.origin_hub.code}


def _fly(order: Order) -> str:
    """The consolidation (as the beat runs it), then each flight the goods are on departs
    and lands now."""
    ready = [
        parcel
        for parcel in parcels_of_order(order=order).filter(status=Status.RECEIVED)
        if parcel.flight_id is None and parcel.export_released_at and not parcel.weight_flagged
    ]
    if ready:
        consolidations_build(eroad=ready[0].eroad, actor_label=LABEL)
    flights = {
        parcel.flight
        for parcel in parcels_of_order(order=order).filter(
            status__in=[Status.MANIFESTED, Status.DEPARTED]
        )
    }
    if not flights:
        raise ConflictError(no_flight_text(order), DemoErrorCode.NO_FLIGHT)
    sentences = []
    for flight in sorted(flights, key=lambda each: (each.departs_at, each.pk)):
        flight_depart(flight=flight, actor_label=LABEL)
        flight_land(flight=flight, actor_label=LABEL)
        sentences.append(
            _("Flight %(flight)s departed %(origin)s and landed at %(destination)s.")
            % {
                "flight": flight.number,
                "origin": order.origin_hub.code,
                "destination": order.destination_hub.code,
            }
        )
    return " ".join(sentences)


def _deliver(order: Order) -> str:
    """The destination's last mile, as its operator scans it, for goods import customs
    released."""
    operator = hub_operator(order.destination_hub)
    released = import_released(order)
    waybills = []
    for parcel in parcels_of_order(order=order).filter(
        status__in=[Status.ARRIVED, Status.OUT_FOR_DELIVERY]
    ):
        if parcel.status == Status.ARRIVED:
            if not released:
                continue
            parcel = parcel_out_for_delivery(parcel=parcel, actor=operator)
        parcel_deliver(parcel=parcel, actor=operator)
        waybills.append(parcel.waybill)
    return ngettext(
        "Parcel %(waybills)s delivered to the buyer at %(hub)s.",
        "Parcels %(waybills)s delivered to the buyer at %(hub)s.",
        len(waybills),
    ) % {"waybills": ", ".join(waybills), "hub": order.destination_hub.code}


def _release(order: Order) -> str:
    """The buyer's confirmation window ends: escrow is released as the sweep releases it."""
    escrow_release(order=order, actor_label=LABEL, reason=WINDOW_ENDED)
    return _("The buyer's confirmation window was ended: escrow was released to the seller.")


def _pay_out(order: Order) -> str:
    """The payout batch (as the daily beat makes it) and the demo bank's word that it paid."""
    payout = order_payout_latest(order=order)
    if payout.status == Payout.Status.REQUESTED:
        payouts_batch(bank=payout.bank, actor_label=LABEL)
    payout_status_report(
        bank=payout.bank, end_to_end_id=payout.end_to_end_id, status=Payout.Status.SETTLED
    )
    return _("Payout of %(amount)s sent to %(bank)s and reported paid by the bank.") % {
        "amount": payout.amount,
        "bank": payout.bank.application.name,
    }


LEGS = {
    Leg.RECEIVE: _receive,
    Leg.FLY: _fly,
    Leg.DELIVER: _deliver,
    Leg.RELEASE: _release,
    Leg.PAY_OUT: _pay_out,
}
