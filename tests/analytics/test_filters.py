"""The dashboards' filters: the destination is a country picked by its name in the reader's
language and sent as its code; a value that is no country is a 400 that says so in the
reader's language, never cut to two letters, never a 500, never the figures of the defaults."""

import pytest
from django.utils import translation

from tests import factories
from tests.analytics.trade import page, trade
from tests.conftest import issue_token

pytestmark = pytest.mark.django_db
WORDS = "Choose a destination country from the list."


def options(response) -> dict[str, str]:
    field = response.context["form"]["destination"]
    return {str(code): str(name) for code, name in field.field.choices}


@pytest.mark.parametrize(
    ("language", "china", "malaysia"),
    [("en", "China", "Malaysia"), ("ms", "China", "Malaysia"), ("zh-hans", "中国", "马来西亚")],
)
def test_the_destination_is_picked_by_name_in_the_readers_language(
    mdec_officer, kul, hgh, language, china, malaysia
):
    response = page(mdec_officer, "/dashboards/exports/", language)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<select name="destination"' in body and 'maxlength="2"' not in body
    assert f'<option value="CN">{china}</option>' in body
    assert options(response)["MY"] == malaysia  # the countries of the hubs, by name


@pytest.mark.parametrize(
    ("language", "name"),
    [("en", "United States"), ("ms", "Amerika Syarikat"), ("zh-hans", "美国")],
)
def test_a_country_with_no_hub_from_a_link_is_shown_chosen_by_its_name(
    mdec_officer, kul, language, name
):
    response = page(mdec_officer, "/dashboards/exports/?destination=us", language)
    assert response.status_code == 200
    assert response.context["dashboard"].table("by_destination").rows == []
    assert options(response)["US"].startswith(name)  # Malay names come from CLDR
    assert '<option value="US" selected>' in response.content.decode()


@pytest.mark.parametrize("language", ["en", "ms", "zh-hans"])
@pytest.mark.parametrize("value", ["China", "<script>", "C", "XX", "12"])
def test_a_value_that_is_no_country_is_a_400_in_the_readers_words(
    mdec_officer, kul, language, value
):
    with translation.override(language):
        said = translation.gettext(WORDS)
    if language != "en":
        assert said != WORDS, "translated"
    for key in ("exports", "money", "logistics"):
        response = page(mdec_officer, f"/dashboards/{key}/?destination={value}", language)
        assert response.status_code == 400, (key, value)
        body = response.content.decode()
        assert said in body
        assert response.context.get("dashboard") is None  # no figures of other filters
        assert "<script>" not in body.split("<main")[1]


def test_a_chosen_destination_filters_every_figure(journey, mdec_officer):
    trade(journey)
    chosen = page(mdec_officer, "/dashboards/exports/?destination=cn")  # the code, in any case
    assert chosen.status_code == 200
    assert [r[0] for r in chosen.context["dashboard"].table("by_destination").rows] == ["CN"]
    assert '<option value="CN" selected>China</option>' in chosen.content.decode()
    elsewhere = page(mdec_officer, "/dashboards/exports/?destination=MY")
    assert elsewhere.context["dashboard"].table("by_destination").rows == []


def test_the_sector_is_picked_by_its_label(mdec_officer, kul):
    with translation.override("zh-hans"):
        food = str(translation.gettext("Food and beverages"))
    body = page(mdec_officer, "/dashboards/exports/", "zh-hans").content.decode()
    assert f'<option value="food">{food}</option>' in body
    assert page(mdec_officer, "/dashboards/exports/?sector=snacks").status_code == 400
    assert page(mdec_officer, "/dashboards/exports/?hub=<b>").status_code == 400


def test_the_sellers_page_takes_a_period_only(journey):
    trade(journey)
    seller = journey.world.seller_owner
    response = page(seller, "/insights/?destination=China&sector=x")  # not its filters
    assert response.status_code == 200
    assert "destination" not in response.context["form"].fields
    assert page(seller, "/insights/?date_from=2026-05-01&date_to=2026-01-01").status_code == 400


def test_the_data_api_refuses_a_destination_that_is_no_country(api, kul):
    credentials = factories.api_client(kind="authority", name="MDEC BI", scopes=["analytics:read"])
    token = issue_token(api, credentials).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    bad = api.get("/api/v1/analytics/exports?destination=China", **auth)
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["destination"]
    good = api.get("/api/v1/analytics/exports?destination=cn", **auth)
    assert good.status_code == 200 and good.json()["filters"]["destination"] == "CN"
