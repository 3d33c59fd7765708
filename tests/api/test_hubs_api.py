import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hubs.services.network import eroad_open, hub_open

pytestmark = pytest.mark.django_db


def test_hubs_list_shows_hubs_with_their_eroads(api, bank_token, kul, hgh):
    eroad_open(origin=kul, destination=hgh, transit_days=3)
    response = api.get("/api/v1/hubs/", HTTP_AUTHORIZATION=f"Bearer {bank_token}")
    assert response.status_code == 200
    results = {hub["code"]: hub for hub in response.json()["results"]}
    assert results["KUL"] | {} == {
        "code": "KUL",
        "name": "Kuala Lumpur eHub",
        "country": "MY",
        "iata_code": "KUL",
        "airport_name": "Kuala Lumpur International Airport",
        "currency": "MYR",
        "timezone": "Asia/Kuala_Lumpur",
        "eroads": [{"destination": "HGH", "transit_days": 3, "is_active": True}],
    }
    assert results["HGH"]["eroads"] == []


def test_hubs_list_runs_a_constant_number_of_queries(api, bank_token):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert (
                api.get("/api/v1/hubs/", HTTP_AUTHORIZATION=f"Bearer {bank_token}").status_code
                == 200
            )
        return len(ctx)

    first = hub_open(iata_code="KUL")
    second = hub_open(iata_code="HGH")
    eroad_open(origin=first, destination=second, transit_days=3)
    count_queries()  # the token verified and cached, as a client's next call finds it
    few = count_queries()
    for code in ["SIN", "BKK", "CGK", "MNL", "SZX", "PVG"]:
        other = hub_open(iata_code=code)
        eroad_open(origin=first, destination=other, transit_days=2)
        eroad_open(origin=other, destination=first, transit_days=2)
    assert count_queries() == few


def test_pages_follow_the_cursor(api, bank_token, kul, hgh):
    first = api.get("/api/v1/hubs/?page_size=1", HTTP_AUTHORIZATION=f"Bearer {bank_token}").json()
    assert len(first["results"]) == 1
    second = api.get(first["next"], HTTP_AUTHORIZATION=f"Bearer {bank_token}").json()
    assert [h["code"] for h in first["results"] + second["results"]] == ["KUL", "HGH"]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page_size=0", "page_size"),
        ("page_size=-3", "page_size"),
        ("page_size=abc", "page_size"),
        ("page_size=201", "page_size"),
        ("cursor=s", "cursor"),
    ],
)
def test_bad_paging_parameters_are_a_400_naming_the_parameter(api, bank_token, kul, query, field):
    response = api.get(f"/api/v1/hubs/?{query}", HTTP_AUTHORIZATION=f"Bearer {bank_token}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_a_malformed_query_string_is_a_400_problem(bank_token, db):
    from django.test import Client

    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/hubs/?cursor=%%%", HTTP_AUTHORIZATION=f"Bearer {bank_token}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
