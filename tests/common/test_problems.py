"""Every API error is application/problem+json with a title and, for input, field errors."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.common.urls_for_kernel_tests")]
URL = "/api/v1/test-records"
PROBLEM = "application/problem+json"


@pytest.fixture
def auth(bank_token):
    return {"HTTP_AUTHORIZATION": f"Bearer {bank_token}"}


def test_malformed_json_is_a_400_problem(api, auth):
    response = api.post(URL, '{"note": ', content_type="application/json", **auth)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["title"] == "Invalid request"
    assert body["status"] == 400
    assert "JSON parse error" in body["detail"]
    assert body["code"] == "parse_error"


def test_field_errors_name_the_field_and_the_reason(api, auth):
    response = api.post(
        URL,
        {
            "note": "x" * 30,
            "amount": {"amount": 12.5, "currency": "MYR"},
            "lines": [{"q": 1}, {"q": "x"}],
        },
        format="json",
        **auth,
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert errors["note"]["code"] == "max_length"
    assert "20 characters" in errors["note"]["message"]
    assert "as a string" in errors["amount"]["message"]
    assert errors["lines.1.q"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ({"amount": "1.234", "currency": "MYR"}, "MYR has 2 decimal places"),
        ({"amount": "abc", "currency": "MYR"}, "not a decimal amount"),
        ({"amount": "1", "currency": "XYZ"}, "not an ISO 4217 currency code"),
        ({"amount": "NaN", "currency": "MYR"}, "finite"),
        ("12.00", "Expected an object"),
    ],
)
def test_bad_money_is_refused_with_the_reason(api, auth, amount, reason):
    response = api.post(URL, {"note": "ok", "amount": amount}, format="json", **auth)
    assert response.status_code == 400
    assert reason in response.json()["errors"][0]["message"]


def test_wrong_content_type_is_a_415_problem(api, auth):
    response = api.post(URL, "note=x", content_type="application/x-www-form-urlencoded", **auth)
    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM


def test_application_error_maps_to_its_status_and_code(api, auth):
    response = api.post(URL, {"note": "conflict"}, format="json", **auth)
    assert response.status_code == 409
    assert response.json() | {} == {
        "type": "https://ewtp-hub.example/problems/order_shipped",
        "title": "Conflict",
        "status": 409,
        "detail": "Already shipped.",
        "code": "order_shipped",
    }


def test_unknown_api_url_is_a_404_problem(api):
    response = api.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_a_405_problem(api, auth):
    response = api.delete("/api/v1/ping", **auth)
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM


def test_unexpected_crash_under_api_is_a_500_problem(auth):
    from django.test import Client

    client = Client(raise_request_exception=False)
    response = client.post(URL, {"note": "boom"}, content_type="application/json", **auth)
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "server_error"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_token_endpoint_refuses_other_methods_as_problem(api, method):
    response = getattr(api, method)("/api/v1/oauth/token/")
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response["Allow"] == "POST"


def test_posting_to_an_unknown_api_url_is_a_404_problem_not_a_csrf_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/api/v1/nothing-here", {"a": 1})
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize(
    ("query", "field"), [("page_size=%C2%B2", "page_size"), ("cursor=cj0xJnA9eHh4", "cursor")]
)
def test_odd_paging_parameters_are_400_not_500(api, auth, query, field):
    from tests.factories import hub

    hub("KUL")
    response = api.get(f"/api/v1/hubs/?{query}", **auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    "url", ["/api/v1/orders/EW-%00/", "/hubs/K%00L/", "/api/v1/listings/?destination=H%00G"]
)
def test_a_nul_byte_in_the_url_is_a_400(url):
    from django.test import Client

    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 400
