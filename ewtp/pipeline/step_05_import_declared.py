"""Step 5: the flight landed → each order's import declaration is filed at the destination
hub and submitted: general import for a business buyer, China's cross-border retail import
for a channel's consumer, with the order, payment and waybill records of the three-record
match as the platform, the payment and the parcels state them. As for the export, goods
customs would refuse are not filed: seller and buyer are told why."""

import logging

from django.db import transaction

from customs.services.declarations import (
    declaration_create,
    declaration_records_attach,
    declaration_submit,
)
from customs.services.matching import REGIMES_MATCHED
from ewtp.common.errors import ApplicationError, CommonErrorCode
from ewtp.common.money import money_from_minor
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs.models import Membership, Order
from logistics.events import FlightArrived
from logistics.models import ParcelItem

from .customs_filing import import_request, match_records
from .notify import buyer_notify

RETRY_LATER = {"customs_rate_missing", "regime_parameter_missing", CommonErrorCode.FX_RATE_STALE}
logger = logging.getLogger(__name__)


@subscribe("logistics.flight_arrived", name="pipeline.import_declared")
def import_declared(event: FlightArrived) -> None:
    orders = (
        Order.objects.filter(pk__in=event.order_ids, status=Order.Status.SHIPPED)
        .select_related("seller", "buyer", "destination_hub", "payment_intent")
        .prefetch_related("lines")
    )
    for order in orders:
        try:
            with transaction.atomic():  # one order's trouble is not the flight's
                _declare(order, event.flight_id)
        except ApplicationError as error:
            if error.code in RETRY_LATER:
                raise  # hub data missing: the whole event is delivered again later
            logger.warning("pipeline: import of %s: %s", order.reference, error.message)
        except Exception:
            logger.exception("pipeline: import declaration of %s failed", order.reference)


def _declare(order: Order, flight_id: int) -> None:
    # the parcels this flight brought (an order split over flights is declared with its
    # first arrival; the carrier's record is what came on it)
    parcels = list(order.parcels.filter(flight_id=flight_id).order_by("pk"))
    if not parcels:
        return
    request = import_request(order, waybill=parcels[0].waybill)
    if order.declarations.filter(regime=request.regime).exists():
        return  # filed already (a repeated event, a second flight; or rejected: no refiling)
    buyer_notify(order, "arrived", f"At {order.destination_hub.code}.")
    try:
        declaration = declaration_create(request=request, actor_label="pipeline")
    except ApplicationError as error:
        if error.code in RETRY_LATER:
            raise
        if error.code == "declaration_exists":
            return
        _tell_parties(order, error.message)
        return
    if declaration.regime in REGIMES_MATCHED:
        intent = order.payment_intent
        declaration_records_attach(
            declaration=declaration,
            actor_label="pipeline",
            **match_records(
                order,
                payer_id_reference=order.consumer_id_reference,  # the consumer paid
                paid=money_from_minor(intent.received_minor, intent.currency).amount,
                paid_currency=intent.currency,
                paid_taxes=intent.duties.amount,
                waybill=declaration.waybill,
                shipped=_shipped(parcels),
            ),
        )
    declaration_submit(declaration=declaration, actor_label="pipeline")


def _shipped(parcels) -> dict:
    """HS code → quantity in the order's parcels, as the carrier's manifest states them."""
    shipped: dict = {}
    items = ParcelItem.objects.filter(parcel__in=parcels).select_related("order_line")
    for item in items:
        hs_code = item.order_line.hs_code
        shipped[hs_code] = shipped.get(hs_code, 0) + item.quantity
    return shipped


def _tell_parties(order: Order, reason: str) -> None:
    organizations = [order.seller_id] + ([order.buyer_id] if order.buyer_id else [])
    emails = Membership.objects.filter(organization_id__in=organizations).values_list(
        "user__email", flat=True
    )
    email_after_commit(
        to=list(emails),
        subject=f"eWTP Hub: import declaration for order {order.reference} not filed",
        body=(
            f"Order {order.reference} arrived at {order.destination_hub.code}, but its import "
            f"declaration could not be filed automatically: {reason}\n\nThe buyer or its "
            "agent files it by hand under Declarations in the portal."
        ),
    )
