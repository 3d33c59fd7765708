"""Reads for the logistics pages and API: who sees which parcels and flights."""

import hmac
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncWeek

from hubs.models import Hub, Order, OrderLine
from hubs.roles import Perm, can_act_for, can_oversee, has_permission

from .models import Flight, Parcel, ParcelItem, TrackingEvent


def parcels_of_order(*, order: Order) -> QuerySet[Parcel]:
    """The order's parcels with their timelines and contents, in a constant number of queries."""
    # parcels are made after their order, and events after their parcel (parcel_events)
    events = TrackingEvent.objects.filter(occurred_at__gte=order.created_at)
    return (
        Parcel.objects.filter(order=order)
        .select_related("flight", "eroad__origin", "eroad__destination", "facility__hub")
        .prefetch_related(
            Prefetch("events", queryset=events.order_by("occurred_at", "id")),
            "items",
        )
        .order_by("created_at", "id")
    )


def parcel_events(*, parcel: Parcel) -> QuerySet[TrackingEvent]:
    """The parcel's tracking events, oldest first.

    Bounded below by the parcel's creation: every event is recorded at or after it (at the
    time of the scan, or of a flight's scheduled move, which the consolidation only ever
    plans ahead). The bound is what lets PostgreSQL read the months since then only, the
    table being partitioned by month of occurred_at, where the parcel alone would have it
    look into every month's index.
    """
    return parcel.events.filter(occurred_at__gte=parcel.created_at).order_by("occurred_at", "id")


def quantities_left_to_pack(*, order: Order) -> dict[int, int]:
    """Order line id → how many are not yet in a parcel (a returned parcel's goods count as
    unpacked again)."""
    packed = dict(
        ParcelItem.objects.filter(parcel__order=order)
        .exclude(parcel__status=Parcel.Status.RETURNED)
        .values("order_line")
        .annotate(total=Sum("quantity"))
        .values_list("order_line", "total")
    )
    return {
        pk: quantity - packed.get(pk, 0)
        for pk, quantity in order.lines.values_list("pk", "quantity")
    }


# an order is packed once paid, while its export declaration is in customs too
PACKABLE = (Order.Status.PAID, Order.Status.IN_CUSTOMS)


def _total(items, *, per_order: str):
    """The sum of ``items``' quantities for the outer order, 0 when it has none."""
    totals = items.values(per_order).annotate(total=Sum("quantity")).values("total")
    return Coalesce(Subquery(totals, output_field=IntegerField()), 0)


def orders_left_to_pack(*, seller, order=None):
    """The seller's paid orders with goods not yet in a parcel (a returned parcel's goods count
    as unpacked again), oldest first."""
    packed = ParcelItem.objects.filter(parcel__order=OuterRef("pk")).exclude(
        parcel__status=Parcel.Status.RETURNED
    )
    orders = Order.objects.filter(seller=seller, status__in=PACKABLE)
    if order is not None:
        orders = orders.filter(pk=order.pk)
    return (
        orders.annotate(
            ordered=_total(OrderLine.objects.filter(order=OuterRef("pk")), per_order="order"),
            packed=_total(packed, per_order="parcel__order"),
        )
        .filter(ordered__gt=F("packed"))
        .order_by("updated_at", "id")
    )


def parcel_visible_to(user, parcel: Parcel) -> bool:
    """The order's parties, the operators of the hubs it passes, and officers."""
    order = parcel.order
    return (
        can_act_for(user, order.seller, Perm.ORDERS_TRADE)
        or bool(order.buyer_id and can_act_for(user, order.buyer, Perm.ORDERS_TRADE))
        or can_oversee(user)
        or (
            has_permission(user, Perm.HUB_FLOOR)
            and user.official_hub_id in (parcel.eroad.origin_id, parcel.eroad.destination_id)
        )
    )


def public_parcel(*, waybill: str) -> Parcel | None:
    """A parcel by its house waybill, with what the public page shows and checks."""
    return (
        Parcel.objects.select_related("eroad__origin", "eroad__destination", "order__buyer")
        .filter(waybill=waybill.strip().upper()[:12])
        .first()
    )


def public_timeline(*, parcel: Parcel) -> list[TrackingEvent]:
    """What the public tracking page shows (the template leaves out notes and actors)."""
    return with_local_times(parcel_events(parcel=parcel))


def parcel_timeline(*, parcel: Parcel) -> list[TrackingEvent]:
    """The officers' and operators' timeline of a parcel (the floor page): every event, in
    the local time of its place."""
    return with_local_times(parcel_events(parcel=parcel))


def _alphanumeric(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def recipient_knows_reference(*, parcel: Parcel, proof: str) -> bool:
    """The proof is the order's reference (EW-…, dashes and case aside): it is on the buyer's
    order and is not guessable (eight characters of 32, order_reference)."""
    expected = _alphanumeric(parcel.order.reference)
    return hmac.compare_digest(_alphanumeric(proof).encode(), expected.encode())


MIN_POSTCODE = 3  # the shortest postcodes in use (Iceland, the Faroes) have three digits


def recipient_knows_postcode(*, parcel: Parcel, proof: str) -> bool:
    """The proof is the postcode of the delivery address: a buyer organisation's postcode, or
    for a consumer one standing on its own in the address as written (spaces and dashes
    aside: "SW1A 1AA", "100-0001"). An order without a postcode on record accepts none."""
    postcode = _alphanumeric(proof)
    if len(postcode) < MIN_POSTCODE or not any(char.isdigit() for char in postcode):
        return False
    order = parcel.order
    if order.buyer_id is not None:
        return bool(order.buyer.postcode) and hmac.compare_digest(
            postcode.encode(), _alphanumeric(order.buyer.postcode).encode()
        )
    spelled = r"[\s-]?".join(re.escape(char) for char in postcode)
    return bool(re.search(rf"(?<![0-9A-Z]){spelled}(?![0-9A-Z])", order.consumer_address.upper()))


def flights_of_hub(*, hub, statuses=None) -> QuerySet[Flight]:
    """Flights leaving or reaching the hub, soonest first, with what the page shows."""
    flights = Flight.objects.filter(Q(eroad__origin=hub) | Q(eroad__destination=hub))
    if statuses:
        flights = flights.filter(status__in=statuses)
    return flights.select_related("carrier", "eroad__origin", "eroad__destination").order_by(
        "departs_at", "id"
    )


def loading_cutoff(now: datetime) -> datetime:
    """Parcels consolidated at ``now`` board flights departing after this."""
    return now + timedelta(minutes=settings.CONSOLIDATION_CUTOFF_MINUTES)


def flight_boardable(*, eroad, weight_kg: Decimal, now: datetime) -> Flight | None:
    """The earliest scheduled flight of the e-road after the loading cut-off with room left
    for a parcel of ``weight_kg``: where a consolidation run now would load it (None: none)."""
    return (
        Flight.objects.filter(
            eroad=eroad,
            status=Flight.Status.SCHEDULED,
            departs_at__gt=loading_cutoff(now),
            loaded_pieces__lt=F("capacity_pieces"),
            capacity_kg__gte=F("loaded_kg") + weight_kg,
        )
        .select_related("carrier")
        .order_by("departs_at", "id")
        .first()
    )


def parcels_of_channel(*, channel) -> QuerySet[Parcel]:
    return Parcel.objects.filter(order__channel=channel)


def parcels_of_organization(*, organization) -> QuerySet[Parcel]:
    return Parcel.objects.filter(Q(order__seller=organization) | Q(order__buyer=organization))


def hub_zones() -> dict[str, str]:
    return dict(Hub.objects.values_list("code", "timezone"))


def with_local_times(events, zones: dict[str, str] | None = None) -> list[TrackingEvent]:
    """Each event with ``local_at``: its UTC time in the time zone of the place it happened
    (hubs are places; another airport falls back to UTC). Pass ``zones`` (hub_zones) when
    annotating several timelines, so it is one query for all."""
    events = list(events)
    zones = hub_zones() if zones is None else zones
    for event in events:
        zone = zones.get(event.place)
        event.local_at = event.occurred_at.astimezone(ZoneInfo(zone)) if zone else event.occurred_at
    return events


def weight_mismatches_at(*, hub) -> QuerySet[Parcel]:
    """Parcels at the hub whose measured weight is outside the tolerance, oldest first."""
    return (
        Parcel.objects.filter(
            facility__hub=hub,
            weight_flagged=True,
            status__in=(Parcel.Status.RECEIVED, Parcel.Status.HELD),
        )
        .select_related("order__seller")
        .order_by("received_at", "pk")
    )


# The journey's steps, the order's timeline and the trade figures (pipeline, analytics)

# not loaded on a flight yet: on the way to the origin hub or on its floor
AT_ORIGIN = (*Parcel.BEFORE_HUB, Parcel.Status.RECEIVED, Parcel.Status.HELD)
# a returned or lost parcel is not coming: an order is delivered when the rest are
NOT_COMING = (Parcel.Status.RETURNED, Parcel.Status.EXCEPTION)


def parcel_by_id(*, parcel_id: int) -> Parcel:
    """The parcel with its order and the hub of its facility."""
    return Parcel.objects.select_related("facility__hub", "order").get(pk=parcel_id)


def flight_by_id(*, flight_id: int) -> Flight:
    """The flight with its e-road's destination."""
    return Flight.objects.select_related("eroad__destination").get(pk=flight_id)


def parcels_at_origin(*, order_id: int) -> QuerySet[Parcel]:
    """The order's parcels not loaded on a flight yet, with their facilities' hubs."""
    return Parcel.objects.filter(order_id=order_id, status__in=AT_ORIGIN).select_related(
        "facility__hub"
    )


def parcels_awaiting_export_release(*, order_id: int) -> QuerySet[Parcel]:
    """The order's parcels at the origin not released for export yet, but for those whose
    weight customs has not seen (outside the tolerance: the officers decide)."""
    return parcels_at_origin(order_id=order_id).filter(
        export_released_at__isnull=True, weight_flagged=False
    )


def parcels_on_flight(*, order: Order, flight: Flight) -> list[Parcel]:
    """The order's parcels on ``flight``, in the order they were made."""
    return list(Parcel.objects.filter(order=order, flight=flight).order_by("pk"))


def parcel_items_of(*, parcel_ids) -> list[ParcelItem]:
    """What these parcels hold, each item with its order line (one query)."""
    return list(ParcelItem.objects.filter(parcel__in=list(parcel_ids)).select_related("order_line"))


def parcels_coming_any(*, order: Order) -> bool:
    """Whether any of the order's parcels is still coming (not returned, not lost)."""
    return Parcel.objects.filter(order=order).exclude(status__in=NOT_COMING).exists()


def parcels_coming_all_delivered(*, order: Order) -> bool:
    """Whether the order has parcels coming and every one of them is delivered."""
    coming = Parcel.objects.filter(order=order).exclude(status__in=NOT_COMING)
    return coming.exists() and not coming.exclude(status=Parcel.Status.DELIVERED).exists()


def tracking_events_of_order(*, order: Order) -> QuerySet[TrackingEvent]:
    """Every tracking event of the order's parcels, with its parcel and flight (one query);
    bounded by the order's creation, which every event follows, as ``parcel_events`` is."""
    return TrackingEvent.objects.filter(
        parcel__order=order, occurred_at__gte=order.created_at
    ).select_related("parcel", "flight")


def tracking_codes_of_orders(*, orders, codes) -> dict[int, list[tuple[str, datetime]]]:
    """Order id → (code, when) of its parcels' events with one of ``codes`` since it was
    placed, earliest first (one query). The earliest placing is also given as a constant:
    the events are partitioned by month, and only a constant lets PostgreSQL leave out the
    months before it."""
    orders = list(orders)
    if not orders:
        return {}
    rows: dict[int, list] = defaultdict(list)
    for order_id, code, occurred_at in (
        TrackingEvent.objects.filter(
            parcel__order_id__in=[order.pk for order in orders],
            code__in=list(codes),
            occurred_at__gte=min(order.created_at for order in orders),
        )
        .filter(occurred_at__gte=F("parcel__order__created_at"))
        .order_by("occurred_at", "id")
        .values_list("parcel__order_id", "code", "occurred_at")
    ):
        rows[order_id].append((code, occurred_at))
    return rows


def orders_received_at(*, orders) -> dict[int, datetime]:
    """order id → when its first parcel was received at the origin hub, for those of
    ``orders`` that had one received (one query)."""
    return dict(
        TrackingEvent.objects.filter(parcel__order__in=orders, code=TrackingEvent.Code.RCS)
        .values("parcel__order_id")
        .annotate(at=Min("occurred_at"))
        .values_list("parcel__order_id", "at")
    )


def parcels_weight_mismatched(*, seller, since) -> int:
    """How many of the seller's parcels made since ``since`` weighed outside the tolerance
    (PARCEL_WEIGHT_TOLERANCE_PERCENT) of their declared weight."""
    tolerance = settings.PARCEL_WEIGHT_TOLERANCE_PERCENT / 100
    return (
        Parcel.objects.filter(
            order__seller=seller, created_at__gte=since, measured_weight_kg__isnull=False
        )
        .filter(
            Q(measured_weight_kg__gt=F("declared_weight_kg") * (1 + tolerance))
            | Q(measured_weight_kg__lt=F("declared_weight_kg") * (1 - tolerance))
        )
        .count()
    )


@dataclass(frozen=True)
class FlightsFlown:
    """Flights of a period: per e-road (``eroad__origin__code``, ``eroad__destination__code``,
    ``scheduled``, ``flown``, ``parcels``, ``kg``, ``capacity``), per week flown (``week``,
    ``n``, ``parcels``, ``kg``), and the latest flown with their e-roads."""

    per_eroad: list[dict]
    weeks: list[dict]
    latest: list[Flight]


def flights_flown(
    *, first_day, last_day, origin_hub: str = "", destination_country: str = "", latest: int
) -> FlightsFlown:
    """The flights departing from ``first_day`` to ``last_day`` (from one hub, to one
    country), counted: three queries, whatever their number. A cancelled flight counts as
    scheduled, not flown."""
    flights = Flight.objects.filter(departs_at__date__gte=first_day, departs_at__date__lte=last_day)
    if origin_hub:
        flights = flights.filter(eroad__origin__code=origin_hub)
    if destination_country:
        flights = flights.filter(eroad__destination__country=destination_country)
    flown = Q(status__in=[Flight.Status.DEPARTED, Flight.Status.ARRIVED])
    per_eroad = (
        flights.values("eroad__origin__code", "eroad__destination__code")
        .annotate(
            scheduled=Count("id", filter=flown | Q(status=Flight.Status.CANCELLED)),
            flown=Count("id", filter=flown),
            parcels=Sum("loaded_pieces", filter=flown),
            kg=Sum("loaded_kg", filter=flown),
            capacity=Sum("capacity_kg", filter=flown),
        )
        .order_by("eroad__origin__code", "eroad__destination__code")
    )
    weeks = (
        flights.filter(flown)
        .annotate(week=TruncWeek("departs_at"))
        .values("week")
        .annotate(n=Count("id"), parcels=Sum("loaded_pieces"), kg=Sum("loaded_kg"))
        .order_by("week")
    )
    last = (
        flights.filter(flown)
        .select_related("eroad__origin", "eroad__destination")
        .order_by("-departs_at")[:latest]
    )
    return FlightsFlown(per_eroad=list(per_eroad), weeks=list(weeks), latest=list(last))
