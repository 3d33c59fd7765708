"""Step 5: each order's import declaration is filed at the destination hub and submitted:
general import for a business buyer, China's cross-border retail import for a channel's
consumer, with the order, payment and waybill records of the three-record match as the
platform, the payment and the parcels state them. As for the export, goods customs would
refuse are not filed: seller and buyer are told why.

Clearance before arrival (the DFTZ's promise; pre-arrival lodgement as the WCO Revised Kyoto
Convention allows it, General Annex Standard 3.25 and Transitional Standard 3.26):

- the flight departed → its manifest files the declarations of the orders on board, and
  customs assesses and lane-routes them while the goods are in the air. A release decided
  then (green or blue, or an officer's) is an acceptance: the goods are not released before
  they are there;
- the flight landed → the landing scan presents the goods of those declarations, and an
  accepted one is released there and then. What was not filed before arrival (a departure
  event missed, a filing retried only after the landing) is filed now, as it always was.

A destination hub another deployment runs is not declared here: its customs file the
import from the manifest this deployment sends it over the e-road (peering/)."""

import logging

from django.db import transaction

from customs.errors import CustomsErrorCode
from customs.models import Declaration
from customs.selectors import declaration_filed, declarations_in_the_air
from customs.services.decisions import declaration_goods_arrived, declaration_records_attach
from customs.services.filing import declaration_create, declaration_submit
from customs.services.matching import REGIMES_MATCHED
from ewtp.common.errors import ApplicationError
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs.models import Order
from hubs.selectors import hub_is_here, member_emails_of
from logistics.events import FlightArrived, FlightDeparted
from logistics.models import Flight
from logistics.selectors import flight_by_id, parcels_on_flight
from payments.selectors import orders_with_intents

from .customs_filing import import_records, import_request
from .errors import RETRY_LATER
from .notify import buyer_notify

logger = logging.getLogger(__name__)


# (the subscriber runs after step 4's, whose module sorts first: the orders are shipped)
@subscribe("logistics.flight_departed", name="pipeline.import_declared_before_arrival")
def import_declared_before_arrival(event: FlightDeparted) -> None:
    flight = flight_by_id(flight_id=event.flight_id)
    if flight.status != Flight.Status.DEPARTED:
        return  # landed already (the event delivered late): the landing files them
    _each_order(event.order_ids, lambda order: _declare(order, flight, before_arrival=True))


@subscribe("logistics.flight_arrived", name="pipeline.import_declared")
def import_declared(event: FlightArrived) -> None:
    flight = flight_by_id(flight_id=event.flight_id)

    def arrived(order: Order) -> None:
        if not _present(order, flight):
            _declare(order, flight, before_arrival=False)

    _each_order(event.order_ids, arrived)


def _each_order(order_ids: list, step) -> None:
    for order in orders_with_intents(order_ids=order_ids, status=Order.Status.SHIPPED):
        if not hub_is_here(order.destination_hub):
            continue  # its customs are the peer deployment's (peering sends the manifest)
        try:
            with transaction.atomic():  # one order's trouble is not the flight's
                step(order)
        except ApplicationError as error:
            if error.code in RETRY_LATER:
                raise  # hub data missing: the whole event is delivered again later
            logger.warning("pipeline: import of %s: %s", order.reference, error.message)
        except Exception:
            logger.exception("pipeline: import declaration of %s failed", order.reference)


def _present(order: Order, flight: Flight) -> bool:
    """The landing scan presents the goods of the order's declarations lodged before arrival
    that came on ``flight`` (an accepted one is released now); False when there were none."""
    waybills = [parcel.waybill for parcel in parcels_on_flight(order=order, flight=flight)]
    presented = [
        declaration_goods_arrived(
            declaration=declaration,
            actor_label="pipeline",
            note=f"flight {flight.number} at {flight.eroad.destination.code}",
        )
        for declaration in declarations_in_the_air(order=order, waybills=waybills)
    ]
    released = any(d is not None and d.status == Declaration.Status.RELEASED for d in presented)
    if any(presented):
        buyer_notify(
            order,
            "arrived",
            f"At {order.destination_hub.code}."
            + (" Customs cleared them before arrival: they are released." if released else ""),
        )
    return any(presented)


def _declare(order: Order, flight: Flight, *, before_arrival: bool) -> None:
    """File and submit the order's import declaration with the parcels on ``flight``: from
    its manifest when it departed (``before_arrival``: customs decides while the goods are in
    the air), or when it landed."""
    # the parcels on this flight (an order split over flights is declared with its first
    # flight; the carrier's record is what travels on it)
    parcels = parcels_on_flight(order=order, flight=flight)
    if not parcels:
        return
    request = import_request(
        order,
        waybill=parcels[0].waybill,
        arrival_expected_at=flight.arrives_at if before_arrival else None,
    )
    if declaration_filed(order=order, regime=request.regime):
        return  # filed already (a repeated event, a second flight; or rejected: no refiling)
    if not before_arrival:
        buyer_notify(order, "arrived", f"At {order.destination_hub.code}.")
    try:
        declaration = declaration_create(request=request, actor_label="pipeline")
    except ApplicationError as error:
        if error.code in RETRY_LATER:
            raise
        if error.code == CustomsErrorCode.DECLARATION_EXISTS:  # filed meanwhile
            return
        _tell_parties(order, error.message, before_arrival=before_arrival)
        return
    if declaration.regime in REGIMES_MATCHED:
        declaration_records_attach(
            declaration=declaration,
            actor_label="pipeline",
            **import_records(order, waybill=declaration.waybill, parcels=parcels),
        )
    declaration_submit(declaration=declaration, actor_label="pipeline")


def _tell_parties(order: Order, reason: str, *, before_arrival: bool) -> None:
    organizations = [order.seller_id] + ([order.buyer_id] if order.buyer_id else [])
    email_after_commit(
        to=member_emails_of(organization_ids=organizations),
        subject=f"eWTP Hub: import declaration for order {order.reference} not filed",
        body=(
            f"Order {order.reference} "
            + ("is on its way to" if before_arrival else "arrived at")
            + f" {order.destination_hub.code}, but its import declaration could not be filed "
            f"automatically: {reason}\n\nThe buyer or its agent files it by hand under "
            "Declarations in the portal."
        ),
    )
