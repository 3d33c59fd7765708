"""Reads for the logistics pages and API: who sees which parcels and flights."""

from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet, Sum

from hubs.models import Hub, Order
from hubs.roles import Perm, can_act_for, can_oversee, has_permission

from .models import Flight, Parcel, ParcelItem, TrackingEvent


def parcels_of_order(*, order: Order) -> QuerySet[Parcel]:
    """The order's parcels with their timelines and contents, in a constant number of queries."""
    return (
        Parcel.objects.filter(order=order)
        .select_related("flight", "eroad__origin", "eroad__destination")
        .prefetch_related(
            Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "id")),
            "items",
        )
        .order_by("created_at", "id")
    )


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


def public_timeline(*, waybill: str) -> tuple[Parcel, list[TrackingEvent]] | None:
    parcel = (
        Parcel.objects.select_related("eroad__origin", "eroad__destination")
        .filter(waybill=waybill.strip().upper()[:12])
        .first()
    )
    if parcel is None:
        return None
    return parcel, with_local_times(parcel.events.order_by("occurred_at", "id"))


def flights_of_hub(*, hub, statuses=None) -> QuerySet[Flight]:
    """Flights leaving or reaching the hub, soonest first, with what the page shows."""
    flights = Flight.objects.filter(Q(eroad__origin=hub) | Q(eroad__destination=hub))
    if statuses:
        flights = flights.filter(status__in=statuses)
    return flights.select_related("carrier", "eroad__origin", "eroad__destination").order_by(
        "departs_at", "id"
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
