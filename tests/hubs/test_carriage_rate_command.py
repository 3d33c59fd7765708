"""A hub publishes its shipping rate per e-road and its cargo insurance premium from the
command line; bad input is refused with the reason and publishes nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from hubs.models import CargoInsuranceRate, ShippingRate
from tests import factories

pytestmark = pytest.mark.django_db
SOURCES = ["--source", "KUL hub tariff 2027", "--legal-source", "Hub tariff (indicative)"]


def publish(*args):
    call_command("carriage_rate_publish", *args, *SOURCES)


def test_a_shipping_rate_and_a_premium_are_published_once():
    factories.open_eroads()
    rate = ["shipping", "KUL", "HGH", "--currency", "MYR", "--per-kg", "12.50"]
    publish(*rate, "--minimum", "20", "--from", "2027-01-01")
    publish(*rate, "--minimum", "20", "--from", "2027-01-01")  # the same date: nothing new
    publish("insurance", "kul", "--percent", "0.5", "--from", "2027-01-01")
    shipping = ShippingRate.objects.get()
    assert (shipping.per_kg, shipping.minimum, shipping.currency) == (
        Decimal("12.50"),
        Decimal("20"),
        "MYR",
    )
    assert shipping.effective_from == date(2027, 1, 1)
    assert CargoInsuranceRate.objects.get().percent == Decimal("0.5")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["shipping", "KUL", "SIN", "--currency", "MYR", "--from", "2027-01-01"], "No e-road"),
        (["shipping", "XXX", "HGH", "--from", "2027-01-01"], "No hub"),
        (
            [
                "shipping",
                "KUL",
                "HGH",
                "--currency",
                "MYR",
                "--per-kg",
                "-1",
                "--from",
                "2027-01-01",
            ],
            "0 or more",
        ),
        (
            [
                "shipping",
                "KUL",
                "HGH",
                "--currency",
                "MYR",
                "--per-kg",
                "abc",
                "--from",
                "2027-01-01",
            ],
            "not a number",
        ),
        (["insurance", "KUL", "--percent", "12", "--from", "2027-01-01"], "between 0 and 10"),
        (["insurance", "KUL", "--percent", "0.5", "--from", "1 Jan"], "not a date"),
    ],
)
def test_bad_input_is_refused_with_the_reason(args, reason):
    factories.open_eroads()
    with pytest.raises(CommandError) as refused:
        publish(*args)
    assert reason in str(refused.value)
    assert not ShippingRate.objects.exists() and not CargoInsuranceRate.objects.exists()
