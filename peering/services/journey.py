"""The origin's side of the journey over the e-road: when a flight departs for a hub a peer
deployment runs, the peer is sent each order's manifest; what the peer answers (its customs'
decision on the import, its operators' scans, a claim) moves the order here as the same
facts do when both hubs are run in one deployment: duties settled from escrow on release,
the order refunded on an officer's rejection, the parcels delivered (which starts the
buyer's confirmation window, after which escrow is released), a lost parcel's claim."""

import logging
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.errors import ApplicationError
from ewtp.common.notifications import email_after_commit
from hubs.models import Order
from hubs.selectors import hub_is_here, member_emails_of, order_by_reference
from logistics.models import Parcel
from logistics.selectors import flight_by_id, parcels_on_flight
from logistics.services.floor import parcel_deliver, parcel_exception, parcel_out_for_delivery
from logistics.services.moves import parcel_transition
from payments.selectors import orders_with_intents
from pipeline.step_05_duties_settled import duties_settle
from pipeline.step_07_customs_rejected import rejected

from ..errors import PeeringErrorCode
from ..manifests import manifest_of
from ..models import Peer
from .consignments import stream_of
from .outbound import message_send

logger = logging.getLogger(__name__)
Status = Parcel.Status
MOVING = (Order.Status.SHIPPED, Order.Status.DELIVERED, Order.Status.COMPLETED)
MANIFESTED = "consignment.manifested"


def _manifests_to(peer: Peer, reference: str):
    """The manifests of order ``reference`` this deployment sent ``peer`` (one a flight)."""
    return peer.outbox.filter(stream=stream_of(reference), type=MANIFESTED)


def peer_of_eroad(eroad) -> Peer | None:
    """The active peer deployment that runs the far end of ``eroad``."""
    return Peer.objects.filter(eroads=eroad, is_active=True).order_by("pk").first()


def manifests_send(*, flight_id: int, order_ids) -> int:
    """The departed flight's manifest, one message per order bound for a hub a peer runs,
    on the order's stream, naming the order's parcels on board (an order split over flights
    is announced once per flight). Returns how many were sent now (a repeated event sends
    none)."""
    flight = flight_by_id(flight_id=flight_id)
    destination = flight.eroad.destination
    if hub_is_here(destination):
        return 0
    peer = peer_of_eroad(flight.eroad)
    if peer is None:
        # the orders wait at the destination's door: the officers must register its peer
        logger.error("peering: no peer runs %s: manifest of %s not sent", destination, flight)
        raise ApplicationError(
            f"No peer deployment runs {destination.code}.", PeeringErrorCode.PEER_UNKNOWN
        )
    # on board: shipped, or in customs still when step 4's move of the same event is retried
    orders = list(
        orders_with_intents(order_ids=order_ids, status=Order.Status.SHIPPED)
        | orders_with_intents(order_ids=order_ids, status=Order.Status.IN_CUSTOMS)
    )
    announced = _waybills_announced(peer, [order.reference for order in orders])
    sent = 0
    for order in orders:
        parcels = [
            parcel
            for parcel in parcels_on_flight(order=order, flight=flight)
            if parcel.waybill not in announced
        ]
        if not parcels:
            continue  # nothing on board, or announced before (a repeated event)
        message_send(
            peer=peer,
            type=MANIFESTED,
            stream=stream_of(order.reference),
            payload=manifest_of(order, flight, parcels),
        )
        sent += 1
    return sent


def _waybills_announced(peer: Peer, references: list[str]) -> set[str]:
    """The house waybills the manifests of these orders to ``peer`` named (one query)."""
    manifests = peer.outbox.filter(
        type=MANIFESTED, stream__in=[stream_of(reference) for reference in references]
    )
    return {
        parcel["waybill"]
        for payload in manifests.values_list("payload", flat=True)
        for parcel in payload["parcels"]
    }


def _order_announced_to(peer: Peer, reference: str) -> Order:
    """The order the peer answers about: only one this deployment announced to that peer
    (no peer moves another's orders, nor orders it was never sent)."""
    if not _manifests_to(peer, reference).exists():
        raise ApplicationError(
            _("No order %(reference)s was announced to this peer.") % {"reference": reference},
            PeeringErrorCode.MESSAGE_INVALID,
        )
    return order_by_reference(reference=reference)


def _label(peer: Peer) -> str:
    return f"{peer.name} (e-road)"[:60]


ASSESSED = ("currency", "exchange_rate", "total_tax", "customs_currency")
# an assessment above this many times the goods' value is not paid from escrow unseen: the
# message fails and the officers of both sides see it (China's retail import taxes are a
# fraction of the value, Caishui [2016] No. 18)
ASSESSMENT_CEILING = Decimal(3)


def _assessed_in_order_currency(order: Order, payload: dict) -> Decimal:
    """The assessed duties and taxes of a release, in the order's currency, at the rate the
    destination's customs assessed them with."""
    if not all(payload.get(key) for key in ASSESSED):
        raise ApplicationError(
            _("A release states the assessment: %(fields)s.") % {"fields": ", ".join(ASSESSED)},
            PeeringErrorCode.MESSAGE_INVALID,
        )
    if payload["currency"] != order.total.currency.code:
        raise ApplicationError(
            _("The assessment is not in the order's currency."), PeeringErrorCode.MESSAGE_INVALID
        )
    rate, tax = Decimal(payload["exchange_rate"]), Decimal(payload["total_tax"])
    if rate <= 0 or tax / rate > order.total.amount * ASSESSMENT_CEILING:
        raise ApplicationError(
            _("The assessment is out of proportion to the order: the officers check it."),
            PeeringErrorCode.MESSAGE_INVALID,
        )
    return (tax / rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def declaration_decided_received(*, peer: Peer, payload: dict) -> None:
    order = _order_announced_to(peer, payload["order"])
    status = payload["status"]
    if status == "released" and order.incoterm == Order.Incoterm.DDP:
        assessed = _assessed_in_order_currency(order, payload)
        duties_settle(
            order,
            assessed=Money(assessed, order.total.currency),
            reference=payload["declaration"],
        )
    elif status == "rejected":
        rejected(
            order,
            reference=payload["declaration"],
            detail=f"{payload['reason']} ({peer.name})",
            by_officer=payload["by_officer"],
        )
    elif status == "not_filed":
        email_after_commit(
            to=member_emails_of(organization_ids=[order.seller_id]),
            subject=f"eWTP Hub: import declaration for order {order.reference} not filed",
            body=(
                f"Order {order.reference} is on its way to {order.destination_hub.code}, but "
                f"{peer.name} could not file its import declaration: {payload['reason']}\n\n"
                "The buyer or its agent files it there by hand."
            ),
        )


def consignment_scanned_received(*, peer: Peer, payload: dict) -> None:
    """The destination's scan of the order's goods, applied to its parcels here."""
    order = _order_announced_to(peer, payload["order"])
    if order.status not in MOVING:
        return  # refunded or disputed meanwhile: the scan is kept as received, nothing moves
    label = _label(peer)
    for parcel in _announced_parcels(peer, order, payload["waybill"]).exclude(
        status__in=(Status.RETURNED, Status.EXCEPTION)
    ):
        _scan(parcel, payload["status"], label)


def _announced_parcels(peer: Peer, order: Order, waybill: str):
    """The parcels named by the order's manifest to ``peer`` that ``waybill`` (its first
    parcel's) heads: a scan or a claim is about one flight's goods, not the order's others."""
    for manifest in _manifests_to(peer, order.reference):
        waybills = [parcel["waybill"] for parcel in manifest.payload["parcels"]]
        if waybill in waybills:
            return Parcel.objects.filter(order=order, waybill__in=waybills)
    raise ApplicationError(
        _("No manifest of order %(reference)s named waybill %(waybill)s.")
        % {"reference": order.reference, "waybill": waybill},
        PeeringErrorCode.MESSAGE_INVALID,
    )


PATH = [Status.DEPARTED, Status.ARRIVED, Status.OUT_FOR_DELIVERY, Status.DELIVERED]


def _scan(parcel: Parcel, to: str, label: str) -> None:
    """Move the parcel up to the scanned step (a step the origin recorded already, as the
    flight's landing, is not repeated; nothing goes past the step scanned)."""
    if parcel.status not in PATH or to not in PATH:
        return
    # the peer's scans of what came before, where this hub has not recorded them yet
    for step in PATH[PATH.index(parcel.status) + 1 : PATH.index(to) + 1]:
        if step == Status.ARRIVED:
            parcel = parcel_transition(
                parcel=parcel, to=step, actor_label=label, sources=[Status.DEPARTED]
            )
        elif step == Status.OUT_FOR_DELIVERY:
            parcel = parcel_out_for_delivery(parcel=parcel, actor=None)
        else:
            parcel = parcel_deliver(parcel=parcel, actor=None)


def consignment_claimed_received(*, peer: Peer, payload: dict) -> None:
    """The destination reports the goods lost or damaged: the buyer's claim (step 6)."""
    order = _order_announced_to(peer, payload["order"])
    reason = f"{payload['status']}: {payload['note']} ({peer.name})"[:200]
    for parcel in _announced_parcels(peer, order, payload["waybill"]).filter(
        status__in=(Status.DEPARTED, Status.ARRIVED, Status.OUT_FOR_DELIVERY)
    ):
        parcel_exception(parcel=parcel, reason=reason, actor=None)
