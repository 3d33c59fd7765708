import pytest

from ewtp.common.errors import ApplicationError, ConflictError
from ewtp.common.models import AuditEntry, OutboxEvent
from hubs.models import ERoad
from hubs.services.network import eroad_open, hub_open

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("iata", "country", "currency", "tz"),
    [
        ("KUL", "MY", "MYR", "Asia/Kuala_Lumpur"),
        ("HGH", "CN", "CNY", "Asia/Shanghai"),
        ("SIN", "SG", "SGD", "Asia/Singapore"),
        ("RGN", "MM", "MMK", "Asia/Rangoon"),  # "Burma" in the airport file: resolved by alias
    ],
)
def test_hub_is_opened_from_airport_reference_data(iata, country, currency, tz):
    hub = hub_open(iata_code=iata.lower())
    assert (hub.code, hub.country.code, hub.currency, hub.timezone) == (iata, country, currency, tz)
    assert AuditEntry.objects.filter(action="hubs.hub.opened", target_id=str(hub.pk)).exists()
    assert OutboxEvent.objects.get(name="hubs.hub_opened").payload["code"] == iata


def test_unknown_airport_is_refused():
    with pytest.raises(ApplicationError, match="not the IATA code of a known airport"):
        hub_open(iata_code="ZZZ")


def test_a_hub_opens_once(kul):
    with pytest.raises(ConflictError, match="already exists"):
        hub_open(iata_code="KUL")


def test_eroad_open_is_idempotent_and_reopens(kul, hgh):
    first = eroad_open(origin=kul, destination=hgh, transit_days=3)
    again = eroad_open(origin=kul, destination=hgh, transit_days=3)
    assert first.pk == again.pk
    assert OutboxEvent.objects.filter(name="hubs.eroad_opened").count() == 1

    ERoad.objects.filter(pk=first.pk).update(is_active=False)
    reopened = eroad_open(origin=kul, destination=hgh, transit_days=4)
    assert reopened.is_active and reopened.transit_days == 4
    assert ERoad.objects.count() == 1


@pytest.mark.parametrize(("days", "message"), [(0, "between 1 and 60"), (61, "between 1 and 60")])
def test_eroad_transit_days_are_checked(kul, hgh, days, message):
    with pytest.raises(ApplicationError, match=message):
        eroad_open(origin=kul, destination=hgh, transit_days=days)


def test_an_eroad_joins_two_different_hubs(kul):
    with pytest.raises(ApplicationError, match="two different hubs"):
        eroad_open(origin=kul, destination=kul, transit_days=1)


def test_a_hub_needs_a_country_with_a_currency():
    with pytest.raises(ApplicationError, match="no currency of its own"):
        hub_open(iata_code="CUR")  # Curaçao: "AN" in the airport file, a retired code
