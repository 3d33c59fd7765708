"""A drop-off centre takes parcels on its days and hours, in its hub's time: a seller is told
them where it books a drop-off and on the hub's page, and a booking outside them is refused
with the hours, changing nothing."""

from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from ewtp.common.errors import ApplicationError
from logistics.models import Facility, Parcel
from logistics.opening_hours import opening_hours_text
from logistics.services.parcels import parcel_drop_off_book

from .conftest import pack

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre(world):
    facility = Facility.objects.get(hub=world["kul"])
    facility.open_weekdays, facility.opens_at, facility.closes_at = "123456", time(8), time(20)
    facility.save()
    return facility


def _next(weekday: int, hour: int, zone) -> datetime:
    """The next ``weekday`` (ISO, Monday 1) at ``hour`` in ``zone``, at least a day away."""
    day = timezone.localtime(timezone.now(), zone).date() + timedelta(days=1)
    while day.isoweekday() != weekday:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=zone)


def test_a_booking_within_the_hours_is_taken(world, centre):
    parcel = pack(world)
    at = _next(2, 14, centre.hub.zone)  # a Tuesday, 14:00 in Kuala Lumpur
    booked = parcel_drop_off_book(parcel=parcel, at=at, actor=world["seller_user"])
    assert (booked.status, booked.drop_off_at) == (Parcel.Status.BOOKED, at)


@pytest.mark.parametrize(("weekday", "hour"), [(7, 10), (2, 6), (2, 21)])
def test_a_booking_outside_the_hours_is_refused_with_them(world, centre, weekday, hour):
    parcel = pack(world)
    with pytest.raises(ApplicationError) as refused:
        parcel_drop_off_book(
            parcel=parcel, at=_next(weekday, hour, centre.hub.zone), actor=world["seller_user"]
        )
    assert refused.value.extra == {"field": "drop_off_at"}
    assert "Monday to Saturday, 08:00–20:00" in refused.value.message
    parcel.refresh_from_db()
    assert parcel.status == Parcel.Status.CREATED


def test_the_hours_read_in_each_language(centre):
    with translation.override("en"):
        assert opening_hours_text(centre) == (
            f"Monday to Saturday, 08:00–20:00 ({centre.hub.name} time)"
        )
    with translation.override("ms"):
        assert opening_hours_text(centre).startswith("Isnin hingga Sabtu, 08:00–20:00")
    with translation.override("zh-hans"):
        assert opening_hours_text(centre).startswith("星期一至星期六")
    centre.open_weekdays = "135"
    with translation.override("en"):
        assert opening_hours_text(centre).startswith("Monday, Wednesday, Friday, 08:00")
    centre.open_weekdays, centre.opens_at, centre.closes_at = "1234567", time(0), time(23, 59)
    with translation.override("en"):
        assert opening_hours_text(centre) == "every day, round the clock"


def test_sellers_see_the_address_and_hours_where_they_book_and_on_the_hub(client, world, centre):
    pack(world)
    client.force_login(world["seller_user"])
    page = client.get(f"/logistics/orders/{world['order'].reference}/parcels/").content.decode()
    assert centre.address in page and "Open Monday to Saturday, 08:00–20:00" in page
    page = client.get("/hubs/KUL/").content.decode()
    assert centre.name in page and "Open Monday to Saturday, 08:00–20:00" in page


def test_a_centre_cannot_close_before_it_opens(centre):
    centre.opens_at, centre.closes_at = time(20), time(8)
    with transaction.atomic(), pytest.raises(IntegrityError):
        centre.save()
