"""Customs values goods at rates derived from the hub's reference rates: for today it
refuses one derived from stale reference rates (a 400 naming the currency over the API),
while a past day is valued at the rate in force then."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customs.models import Declaration
from customs.services.rates import customs_rate
from ewtp.common.rate_age import RateStale, target_business_day_latest
from tests import factories
from tests.conftest import bearer
from tests.fx_rates import reference_rates_aged

from .support import SCARF_ITEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale(customs_rates):
    """Customs rates derived through the pipeline, then the feed stopped two weeks ago."""
    reference_rates_aged(days=14)


def channel_auth(api):
    channel = factories.api_client(kind="channel", name="Shop", scopes=["customs:quote"])
    return bearer(api, channel)


def test_a_duty_quote_in_a_currency_with_a_stale_rate_is_a_400_naming_it(api, stale):
    auth = channel_auth(api)
    quote = {"destination_hub": "HGH", "currency": "MYR", "items": [SCARF_ITEM]}
    refused = api.post("/api/v1/duty-quotes", quote, format="json", **auth)
    assert refused.status_code == 400, refused.content
    body = refused.json()
    assert body["code"] == "fx_rate_stale" and body["currency"] == "MYR"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("currency", "fx_rate_stale")]
    assert "No current MYR exchange rate" in body["detail"]
    # goods priced in the customs currency need no rate at all
    in_yuan = api.post("/api/v1/duty-quotes", {**quote, "currency": "CNY"}, format="json", **auth)
    assert in_yuan.status_code == 200, in_yuan.content
    assert not Declaration.objects.exists()


def test_a_past_day_is_valued_at_the_rate_in_force_then(stale):
    rate_day = target_business_day_latest(timezone.localdate()) - timedelta(days=14)
    with pytest.raises(RateStale):
        customs_rate(country="CN", currency="MYR", on=timezone.localdate())
    rate, source = customs_rate(country="CN", currency="MYR", on=rate_day + timedelta(days=1))
    assert rate > 0 and source == f"ECB-TEST reference {rate_day}"


def test_an_smes_declaration_form_shows_the_stale_rate_on_its_currency(client, stale, kul):
    seller = factories.SellerFactory(home_hub=kul)
    client.force_login(factories.member(seller))
    response = client.post(
        "/customs/mine/new/",
        {
            "regime": "MY_EXPORT",
            "hub": "KUL",
            "importer": "Hangzhou Tea House Co., Ltd.",
            "incoterm": "DAP",
            "waybill": "KUL100000017",
            "currency": "CNY",  # valued in MYR at today's rate
            "freight": "0",
            "insurance": "0",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "200",
            **{f"items-0-{name}": value for name, value in SCARF_ITEM.items()},
        },
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["currency"]
    assert "No current CNY exchange rate" in error
    assert not Declaration.objects.exists()
