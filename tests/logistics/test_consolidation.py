"""Consolidation onto flights: only released parcels board, capacity is never exceeded (also
under concurrent runs), a cancelled flight's parcels move on, flights depart and arrive."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from ewtp.common.errors import ApplicationError, ConflictError
from hubs.models import User
from logistics.models import Flight, Parcel, TrackingEvent
from logistics.services.consolidation import consolidations_build
from logistics.services.flights import flight_cancel, flights_advance, flights_import
from logistics.services.floor import (
    parcel_deliver,
    parcel_exception,
    parcel_export_release,
    parcel_hold,
    parcel_out_for_delivery,
    parcel_receive,
    parcel_weigh,
)
from logistics.waybills import master_waybill_valid
from tests import factories

from .conftest import flight, pack

pytestmark = pytest.mark.django_db


def ready(world, weight="1.000", released=True):
    parcel = parcel_receive(parcel=pack(world, weight=weight), actor=world["operator"])
    if released:
        parcel = parcel_export_release(parcel=parcel)
    return parcel


def test_only_received_and_released_parcels_board(world):
    boarding = ready(world)
    unreleased = ready(world, released=False)
    held = parcel_hold(parcel=ready(world), reason="Damaged box", actor=world["operator"])
    not_received = pack(world)
    first = flight(world)
    assert consolidations_build() == 1
    boarding.refresh_from_db()
    assert (boarding.flight, boarding.status) == (first, "manifested")
    for parcel in (unreleased, held, not_received):
        parcel.refresh_from_db()
        assert parcel.flight is None
    first.refresh_from_db()
    assert master_waybill_valid(first.master_waybill)
    assert first.master_waybill.startswith("232")  # Malaysia Airlines' prefix
    assert (first.loaded_kg, first.loaded_pieces) == (Decimal("1.000"), 1)
    man = TrackingEvent.objects.get(parcel=boarding, code="MAN")
    assert man.flight == first and first.master_waybill_display in man.note


def test_capacity_is_never_exceeded_and_the_rest_takes_the_next_flight(world):
    parcels = [ready(world, weight="1.000") for _ in range(4)]
    small = flight(world, hours=4, capacity_kg="2.500", pieces=10)
    few_pieces = flight(world, hours=8, number="MH362", capacity_kg="100", pieces=1)
    big = flight(world, hours=12, number="CZ350")
    assert consolidations_build() == 4
    loads = {f.number: (f.loaded_kg, f.loaded_pieces) for f in Flight.objects.all()}
    assert loads == {
        "MH360": (Decimal("2.000"), 2),
        "MH362": (Decimal("1.000"), 1),
        "CZ350": (Decimal("1.000"), 1),
    }
    assert small.pk and few_pieces.pk and big.pk
    late = TrackingEvent.objects.filter(code="MAN", note__contains="Earlier flights were full")
    assert late.count() == 2
    assert {p.pk for p in parcels} == set(Parcel.objects.values_list("pk", flat=True))


def test_a_flight_too_close_to_departure_is_not_loaded(world, settings):
    settings.CONSOLIDATION_CUTOFF_MINUTES = 120
    ready(world)
    flight(world, hours=1)
    assert consolidations_build() == 0


def test_a_cancelled_flight_moves_its_parcels_to_the_next_and_says_why(world):
    parcels = [ready(world) for _ in range(3)]
    cancelled = flight(world, hours=4)
    nxt = flight(world, hours=28, number="MH362")
    consolidations_build()
    with pytest.raises(ApplicationError):
        flight_cancel(flight=cancelled, reason="", actor_label="ops")
    assert flight_cancel(flight=cancelled, reason="Aircraft unserviceable", actor_label="ops") == 3
    cancelled.refresh_from_db()
    nxt.refresh_from_db()
    assert (cancelled.status, cancelled.loaded_pieces) == ("cancelled", 0)
    assert nxt.loaded_pieces == 3
    for parcel in parcels:
        codes = list(parcel.events.values_list("code", "flight__number"))
        assert codes[-3:] == [("MAN", "MH360"), ("DIS_OFLD", "MH360"), ("MAN", "MH362")]
    offload = TrackingEvent.objects.filter(code="DIS_OFLD").first()
    assert "Aircraft unserviceable" in offload.note


def test_flights_depart_and_arrive_by_schedule(world):
    parcel = ready(world)
    departing = flight(world, hours=3)
    consolidations_build()
    assert flights_advance(now=departing.departs_at + timedelta(minutes=1)) == (1, 0)
    assert flights_advance(now=departing.arrives_at + timedelta(minutes=1)) == (0, 1)
    parcel.refresh_from_db()
    assert parcel.status == "arrived"
    timeline = list(parcel.events.values_list("code", "place"))
    assert timeline[-3:] == [("DEP", "KUL"), ("ARR", "HGH"), ("RCF", "HGH")]
    times = list(parcel.events.values_list("occurred_at", flat=True))
    assert times == sorted(times)


def test_a_schedule_loads_from_csv_in_local_times_and_is_refused_whole_when_wrong(world):
    text = (
        "carrier,flight_number,origin,destination,departs_local,arrives_local,capacity_kg,"
        "capacity_pieces\n"
        "MH,MH360,KUL,HGH,2027-01-05 09:00,2027-01-05 14:10,2000,400\n"
        "CZ,CZ350,KUL,HGH,2027-01-05 23:30,2027-01-06 04:20,3000,600\n"
    )
    assert flights_import(text=text) == 2
    assert flights_import(text=text) == 0  # the same schedule again adds nothing
    mh = Flight.objects.get(number="MH360")
    assert mh.departs_at.isoformat() == "2027-01-05T01:00:00+00:00"  # 09:00 in Kuala Lumpur
    assert mh.arrives_at.isoformat() == "2027-01-05T06:10:00+00:00"  # 14:10 in Hangzhou
    bad = text + "XX,XX1,KUL,HGH,2027-01-05 09:00,2027-01-05 14:10,2000,400\n"
    bad += "MH,MH361,KUL,SIN,2027-01-05 09:00,2027-01-05 14:10,2000,400\n"
    bad += "MH,MH363,KUL,HGH,2027-01-05 09:00,2027-01-05 08:00,2000,400\n"
    with pytest.raises(ApplicationError) as refused:
        flights_import(text=bad)
    message = refused.value.message
    assert "Row 4" in message and "Row 5" in message and "Row 6" in message
    assert Flight.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_consolidation_runs_never_overload_or_double_load(world):
    for _ in range(10):
        ready(world, weight="1.000")
    flight(world, hours=4, capacity_kg="4", pieces=50)
    flight(world, hours=30, number="MH362", capacity_kg="4", pieces=50)
    barrier, errors = threading.Barrier(4), []

    def run():
        try:
            barrier.wait()
            consolidations_build(now=timezone.now())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for loaded in Flight.objects.all():
        assert loaded.loaded_kg <= loaded.capacity_kg
        assert loaded.loaded_pieces == loaded.parcels.count()
    assert Parcel.objects.filter(status="manifested").count() == 8  # 2 wait for a flight
    assert TrackingEvent.objects.filter(code="MAN").count() == 8  # each boarded once


def test_the_destination_sends_out_delivers_or_reports_an_exception(world, client):
    delivered, lost = ready(world), ready(world)
    departing = flight(world, hours=3)
    consolidations_build()
    flights_advance(now=departing.arrives_at + timedelta(minutes=1))
    flights_advance(now=departing.arrives_at + timedelta(minutes=2))
    at_hgh = factories.UserFactory(
        official_role=User.OfficialRole.HUB_OPERATOR, official_hub=world["hgh"]
    )
    delivered = parcel_deliver(
        parcel=parcel_out_for_delivery(parcel=delivered, actor=at_hgh), actor=at_hgh
    )
    assert delivered.status == "delivered"
    client.force_login(at_hgh)
    client.post(
        "/logistics/floor/",
        {"waybill": lost.waybill, "action": "exception", "reason": "Box crushed"},
    )
    lost.refresh_from_db()
    assert lost.status == "exception"
    # (this test lands the flight at its scheduled time, hours from now: order by recording)
    assert list(delivered.events.order_by("id").values_list("code", flat=True))[-2:] == [
        "NFD",
        "DLV",
    ]
    with pytest.raises(ApplicationError):
        parcel_exception(parcel=delivered, reason="late", actor=at_hgh)


def test_a_parcel_still_at_the_origin_cannot_be_declared_lost_at_the_destination(world):
    at_hgh = factories.UserFactory(
        official_role=User.OfficialRole.HUB_OPERATOR, official_hub=world["hgh"]
    )
    parcel = ready(world)
    cancelled = flight(world, hours=4)
    consolidations_build()
    with pytest.raises(ConflictError):
        parcel_exception(parcel=Parcel.objects.get(pk=parcel.pk), reason="lost", actor=at_hgh)
    flight(world, hours=30, number="MH362")
    flight_cancel(flight=cancelled, reason="Crew", actor_label="ops")
    assert Parcel.objects.get(pk=parcel.pk).flight.number == "MH362"


def test_a_parcel_reweighed_outside_the_tolerance_waits_for_customs_again(world):
    parcel = ready(world, weight="1.000")
    parcel = parcel_weigh(parcel=parcel, measured_kg=Decimal("5.000"), actor=world["operator"])
    assert parcel.export_released_at is None
    flight(world)
    assert consolidations_build() == 0
    parcel_export_release(parcel=parcel)  # customs amended the declaration and released it
    assert consolidations_build() == 1
    assert Flight.objects.get().loaded_kg == Decimal("5.000")  # at the measured weight


def test_a_time_skipped_by_a_clock_change_is_refused():
    from zoneinfo import ZoneInfo

    from logistics.services.flights import _local

    with pytest.raises(ValueError, match="does not exist"):
        _local("2027-03-28 02:30", ZoneInfo("Europe/Brussels"))
    assert _local("2027-03-28 03:30", ZoneInfo("Europe/Brussels")).utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    "line",
    ["MH,MH360,KUL,HGH", "MH,MH360,KUL,HGH,2030-01-05 09:00,2030-01-05 14:10,NaN,400"],
)
def test_odd_schedule_rows_are_row_errors_not_crashes(world, line):
    header = (
        "carrier,flight_number,origin,destination,departs_local,arrives_local,capacity_kg,"
        "capacity_pieces\n"
    )
    with pytest.raises(ApplicationError, match="Row 2"):
        flights_import(text=header + line + "\n")


def test_operators_change_only_their_own_hubs_departures(world, client):
    at_hgh = factories.UserFactory(
        official_role=User.OfficialRole.HUB_OPERATOR, official_hub=world["hgh"]
    )
    inbound = flight(world)  # KUL → HGH
    client.force_login(at_hgh)
    response = client.post(
        "/logistics/flights/", {"cancel": "1", "flight": str(inbound.public_id), "reason": "x"}
    )
    assert response.status_code == 404
    assert (
        client.post(
            "/logistics/flights/", {"cancel": "1", "flight": "not-a-uuid", "reason": "x"}
        ).status_code
        == 404
    )
    inbound.refresh_from_db()
    assert inbound.status == "scheduled"
    with pytest.raises(ApplicationError, match="leave from your hub HGH"):
        flights_import(
            text="carrier,flight_number,origin,destination,departs_local,arrives_local,"
            "capacity_kg,capacity_pieces\nMH,MH360,KUL,HGH,2030-01-05 09:00,2030-01-05 14:10,"
            "2000,400\n",
            origin_hub=world["hgh"],
        )
    stranger = factories.UserFactory(
        official_role=User.OfficialRole.HUB_OPERATOR, official_hub=factories.hub("SIN")
    )
    client.force_login(stranger)
    assert client.get(f"/logistics/flights/{inbound.public_id}/manifest.csv").status_code == 404
