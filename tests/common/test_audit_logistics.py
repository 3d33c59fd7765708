"""The audit trail of the logistics' state machines (parcels, flights): each transition
driven through its service (tests/common/audit_expectations.py), a flight's parcels audited
one by one, and the bulk audit that does it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ewtp.common.audit import SYSTEM_BEAT, audit_record_bulk
from ewtp.common.models import AuditEntry
from hubs.models import User
from logistics.models import Flight, Parcel
from logistics.services.flights import flight_cancel, flights_import
from logistics.services.floor import (
    parcel_deliver,
    parcel_exception,
    parcel_hold,
    parcel_hold_release,
    parcel_out_for_delivery,
    parcel_receive,
    parcel_return,
)
from logistics.services.parcels import parcel_drop_off_book
from logistics.tasks import consolidate_task, flights_advance_task
from tests import factories
from tests.common.audit_expectations import CREATED, Expect, cases, transition_audited
from tests.logistics.conftest import flight, pack, world  # noqa: F401 - world is a fixture

P = Parcel.Status

ON_A_FLIGHT = (P.MANIFESTED, P.DEPARTED, P.ARRIVED, P.OUT_FOR_DELIVERY)


def drive_parcel(fixture, before, after):
    place = fixture("world")
    parcel = pack(place)
    if before == CREATED:
        return Expect(parcel, actor=place["seller_user"])
    departure = flight(place)
    Parcel.objects.filter(pk=parcel.pk).update(
        status=before,
        received_at=timezone.now(),
        export_released_at=timezone.now(),
        flight=departure if before in ON_A_FLIGHT else None,
    )
    if before in (P.DEPARTED, P.ARRIVED, P.OUT_FOR_DELIVERY):
        Flight.objects.filter(pk=departure.pk).update(status=Flight.Status.DEPARTED)
    parcel = Parcel.objects.get(pk=parcel.pk)
    if after in (P.MANIFESTED, P.DEPARTED, P.ARRIVED) or before == P.MANIFESTED:
        return _parcel_by_its_flight(place, parcel, departure, after)
    if before in (P.DEPARTED, P.ARRIVED, P.OUT_FOR_DELIVERY):
        return _parcel_at_the_destination(place, parcel, after)
    return _parcel_at_the_origin(place, parcel, before, after)


def _parcel_by_its_flight(place, parcel, departure, after):
    """Loaded by the beat's consolidation, flown by its clock, offloaded by a cancellation."""
    if after == P.MANIFESTED:
        consolidate_task()
        return Expect(parcel, actor_label=SYSTEM_BEAT)
    if after == P.RECEIVED:
        operator = place["operator"]
        flight_cancel(flight=departure, reason="Crew", actor_label=operator.email, actor=operator)
        return Expect(parcel, actor=operator, reason="Crew")
    clock = departure.departs_at if after == P.DEPARTED else departure.arrives_at
    with time_machine.travel(clock + timedelta(minutes=1)):
        flights_advance_task()
    return Expect(parcel, actor_label=SYSTEM_BEAT)


def _parcel_at_the_origin(place, parcel, before, after):
    seller, operator = place["seller_user"], place["operator"]
    if after == P.BOOKED:
        parcel_drop_off_book(parcel=parcel, at=timezone.now() + timedelta(days=1), actor=seller)
        return Expect(parcel, actor=seller)
    if after == P.RECEIVED:
        step = parcel_hold_release if before == P.HELD else parcel_receive
        step(parcel=parcel, actor=operator)
        return Expect(parcel, actor=operator)
    step = {P.HELD: parcel_hold, P.RETURNED: parcel_return}[after]
    step(parcel=parcel, reason="Export refused", actor=operator)
    return Expect(parcel, actor=operator, reason="Export refused")


def _parcel_at_the_destination(place, parcel, after):
    operator = factories.UserFactory(
        official_role=User.OfficialRole.HUB_OPERATOR, official_hub=place["hgh"]
    )
    if after == P.EXCEPTION:
        parcel_exception(parcel=parcel, reason="Not found at the base", actor=operator)
        return Expect(parcel, actor=operator, reason="Not found at the base")
    step = {P.OUT_FOR_DELIVERY: parcel_out_for_delivery, P.DELIVERED: parcel_deliver}[after]
    step(parcel=parcel, actor=operator)
    return Expect(parcel, actor=operator)


SCHEDULE = (
    "carrier,flight_number,origin,destination,departs_local,arrives_local,capacity_kg,"
    "capacity_pieces\nMH,MH999,KUL,HGH,2031-05-01 09:00,2031-05-01 14:30,3000,2500\n"
)


def drive_flight(fixture, before, after):
    place = fixture("world")
    operator = place["operator"]
    if before == CREATED:
        flights_import(text=SCHEDULE, origin_hub=place["kul"], actor=operator)
        return Expect(Flight.objects.get(number="MH999"), actor=operator)
    departure = flight(place)
    if after == "cancelled":
        flight_cancel(
            flight=departure, reason="Weather", actor_label=operator.email, actor=operator
        )
        return Expect(departure, actor=operator, reason="Weather")
    Flight.objects.filter(pk=departure.pk).update(status=before)
    clock = departure.departs_at if after == "departed" else departure.arrives_at
    with time_machine.travel(clock + timedelta(minutes=1)):
        flights_advance_task()  # the beat's clock
    return Expect(departure, actor_label=SYSTEM_BEAT)


DRIVERS = {
    Parcel: drive_parcel,
    Flight: drive_flight,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "before", "after"), cases("logistics"))
def test_each_transition_writes_its_audit_row(request, key, before, after):
    transition_audited(DRIVERS[key[0]], request.getfixturevalue, key, before, after)


# --- end to end ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_flights_departure_and_landing_audit_every_parcel_on_board(world):  # noqa: F811
    departure = flight(world)
    parcels = [pack(world) for _ in range(3)]
    Parcel.objects.filter(pk__in=[p.pk for p in parcels]).update(
        status=P.MANIFESTED, flight=departure, export_released_at=timezone.now()
    )
    with time_machine.travel(departure.arrives_at + timedelta(minutes=1)):
        flights_advance_task()  # departs, then lands, in one run of the clock
        flights_advance_task()
    for action in ("logistics.parcel.departed", "logistics.parcel.arrived"):
        entries = AuditEntry.objects.filter(action=action, target_type="logistics.parcel")
        assert sorted(entries.values_list("target_id", flat=True)) == sorted(
            str(p.pk) for p in parcels
        )
        assert {(e.actor_label, e.data["flight"]) for e in entries} == {(SYSTEM_BEAT, departure.pk)}
    flight_trail = AuditEntry.objects.filter(
        target_type="logistics.flight", target_id=str(departure.pk)
    )
    assert list(flight_trail.order_by("id").values_list("action", "data")) == [
        ("logistics.flight.departed", {"from": "scheduled", "to": "departed", "parcels": 3}),
        ("logistics.flight.arrived", {"from": "departed", "to": "arrived", "parcels": 3}),
    ]


@pytest.mark.django_db
def test_a_bulk_audit_writes_one_row_per_object_with_the_same_fields(mdec_officer):
    written = audit_record_bulk(
        actor=mdec_officer,
        action="logistics.parcel.offloaded",
        model=Parcel,
        ids=[3, 1, 2],
        reason="Flight MH360 cancelled: crew",
        data={"flight": 7},
    )
    entries = AuditEntry.objects.filter(action="logistics.parcel.offloaded").order_by("target_id")
    assert written == 3
    assert [
        (e.target_type, e.target_id, e.actor, e.actor_label, e.reason, e.data) for e in entries
    ] == [
        (
            "logistics.parcel",
            pk,
            mdec_officer,
            mdec_officer.email,
            "Flight MH360 cancelled: crew",
            {"flight": 7},
        )
        for pk in ("1", "2", "3")
    ]
    assert all(e.created_at is not None for e in entries)
    assert audit_record_bulk(actor=None, action="x.y.z", model=Parcel, ids=[]) == 0
