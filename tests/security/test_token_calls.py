"""A call to the API with a bearer token passes by the portal's session, CSRF, user and
messages, and gets a fixed strict Content-Security-Policy; everything else goes through them
as before, so the portal keeps its protections and a cookie gains an API call nothing."""

import pytest
from django.test import Client
from django.test.utils import override_settings

from ewtp.common import oauth
from ewtp.common.middleware import API_CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db


def bearer(token) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_token_call_reads_no_session_and_sets_no_cookie(api, seller_owner, bank_token):
    api.force_login(seller_owner)  # a session cookie sent along with the token

    response = api.get("/api/v1/ping", **bearer(bank_token))

    assert response.status_code == 200
    assert response.json()["client_name"] == "Test Bank"  # the token's caller, not the user
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert response.wsgi_request.user is None  # set by the token's authentication alone
    assert not hasattr(response.wsgi_request, "session")


def test_a_cookie_without_a_bearer_token_gains_nothing(api, seller_owner):
    api.force_login(seller_owner)
    response = api.get("/api/v1/ping")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_wrong_token_with_a_cookie_is_refused(api, seller_owner):
    api.force_login(seller_owner)
    assert api.get("/api/v1/ping", **bearer("not-a-token")).status_code == 401


def test_token_calls_get_the_strict_policy_and_the_other_security_headers(api, bank_token):
    for response in (
        api.get("/api/v1/ping", **bearer(bank_token)),
        api.get("/api/v1/no-such-endpoint", **bearer(bank_token)),
        api.get("/api/v1/ping", **bearer("not-a-token")),
    ):
        assert response["Content-Security-Policy"] == API_CONTENT_SECURITY_POLICY
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert "no-store" in response["Cache-Control"]


def test_portal_pages_keep_their_policy_session_and_headers(client, seller_owner):
    client.force_login(seller_owner)
    response = client.get("/home/")
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response.wsgi_request.user == seller_owner
    assert response.wsgi_request.session.session_key


def test_a_bearer_header_does_not_lift_csrf_from_a_portal_form(seller_owner, bank_token):
    """Only the API passes the portal's middleware by: a portal form still needs its CSRF
    token, whatever Authorization header comes with the post."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(seller_owner)
    response = browser.post("/organisation/edit/", {"legal_name": "Renamed"}, **bearer(bank_token))
    assert response.status_code == 403
    assert seller_owner.memberships.get().organization.legal_name != "Renamed"


def test_the_token_endpoint_still_answers_with_a_bearer_header(api, bank_credentials):
    response = api.post(
        "/api/v1/oauth/token/",
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        **bearer("anything"),
    )
    assert response.status_code in (400, 401)
    assert response["Content-Type"] == "application/problem+json"


def test_the_oauth_server_is_built_once_per_process(api, bank_token, monkeypatch):
    built = []
    stock = oauth.get_oauthlib_core
    monkeypatch.setattr(oauth, "get_oauthlib_core", lambda: built.append(1) or stock())
    oauth.resource_server_core.cache_clear()
    for _ in range(3):
        assert api.get("/api/v1/ping", **bearer(bank_token)).status_code == 200
    assert len(built) == 1


def test_the_oauth_server_follows_a_changed_setting(api, bank_token, settings):
    assert api.get("/api/v1/ping", **bearer(bank_token)).status_code == 200
    before = oauth.resource_server_core()
    with override_settings(OAUTH2_PROVIDER={**settings.OAUTH2_PROVIDER}):
        assert oauth.resource_server_core() is not before
