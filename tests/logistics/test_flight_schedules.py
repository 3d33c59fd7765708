"""Flights come from a schedule file or a daily pattern, each flight (carrier, number,
departure) once; the beat departs and lands them by their times."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ewtp.common.models import AuditEntry
from logistics.models import Carrier, Flight
from logistics.services.flights import flights_advance, flights_import, flights_schedule_daily
from tests.logistics.conftest import flight, world  # noqa: F401 - world is a fixture

HEADER = (
    "carrier,flight_number,origin,destination,departs_local,arrives_local,capacity_kg,"
    "capacity_pieces\n"
)


def row(day: int, number: str = "MH999") -> str:
    return f"MH,{number},KUL,HGH,2031-05-{day:02d} 09:00,2031-05-{day:02d} 14:30,3000,2500\n"


@pytest.mark.django_db
def test_a_schedule_adds_each_flight_once_however_often_it_is_loaded(world):  # noqa: F811
    operator = world["operator"]
    text = HEADER + row(1) + row(2) + row(1)  # a row repeated in the file counts once

    assert flights_import(text=text, origin_hub=world["kul"], actor=operator) == 2
    assert flights_import(text=text, origin_hub=world["kul"], actor=operator) == 0
    more = HEADER + row(2) + row(3) + row(3, number="MH998")
    assert flights_import(text=more, origin_hub=world["kul"], actor=operator) == 2

    flights = Flight.objects.filter(number__in=["MH999", "MH998"])
    assert flights.count() == 4
    scheduled = AuditEntry.objects.filter(action="logistics.flight.scheduled")
    assert sorted(scheduled.values_list("target_id", flat=True)) == sorted(
        str(pk) for pk in flights.values_list("pk", flat=True)
    )
    may_3 = flights.get(number="MH998")  # local times of each airport, stored in UTC
    assert (may_3.departs_at.hour, may_3.arrives_at.hour) == (1, 6)


@pytest.mark.django_db
def test_a_schedule_is_read_and_written_in_a_fixed_number_of_queries(world):  # noqa: F811
    def loaded(days):
        text = HEADER + "".join(row(day, number=f"MH{days}00") for day in range(1, days + 1))
        with CaptureQueriesContext(connection) as queries:
            assert flights_import(text=text, actor=world["operator"]) == days
        return len(queries)

    assert loaded(3) == loaded(28)


@pytest.mark.django_db
def test_a_daily_pattern_is_idempotent(world):  # noqa: F811
    pattern = {
        "eroad": world["eroad"],
        "carrier": Carrier.objects.get(iata_code="MH"),
        "number": "MH777",
        "departs_local": time(23, 30),
        "duration": timedelta(hours=5),
        "capacity_kg": Decimal("2500"),
        "capacity_pieces": 2000,
    }
    assert flights_schedule_daily(**pattern, first_day=date(2031, 3, 1), days=10) == 10
    assert flights_schedule_daily(**pattern, first_day=date(2031, 3, 5), days=10) == 4
    assert Flight.objects.filter(number="MH777").count() == 14


@pytest.mark.django_db
def test_the_beat_departs_and_lands_a_flight_whose_times_have_both_passed(world):  # noqa: F811
    early, later = flight(world, hours=1), flight(world, hours=30, number="MH318")

    departed, arrived = flights_advance(now=early.arrives_at + timedelta(minutes=1))

    assert (departed, arrived) == (1, 1)
    early.refresh_from_db()
    later.refresh_from_db()
    assert (early.status, later.status) == ("arrived", "scheduled")
    assert flights_advance(now=later.departs_at + timedelta(minutes=1)) == (1, 0)
    assert flights_advance(now=later.arrives_at + timedelta(minutes=1)) == (0, 1)
