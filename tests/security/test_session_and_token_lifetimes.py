"""A portal session lasts a working day; an API access token ten minutes. Both configurable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.api.test_bank_client import load_client
from tests.conftest import issue_token
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_a_portal_session_lasts_twelve_hours(client, no_role_user):
    response = client.post(
        "/accounts/login/", {"username": no_role_user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 12 * 3600


def test_an_access_token_lasts_ten_minutes(api, bank_credentials):
    response = issue_token(api, bank_credentials)
    assert response.status_code == 200
    assert response.json()["expires_in"] == 600


def settings_read_with(**environment) -> str:
    """The two lifetimes as the base settings read them from this environment."""
    code = (
        "from ewtp.settings import base; "
        "print(base.SESSION_COOKIE_AGE, base.OAUTH2_PROVIDER['ACCESS_TOKEN_EXPIRE_SECONDS'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return result.stdout.strip()


def test_both_lifetimes_come_from_the_environment():
    assert settings_read_with(SESSION_COOKIE_AGE="3600", OAUTH_TOKEN_SECONDS="300") == "3600 300"


def test_the_example_bank_client_renews_its_token_before_it_expires(monkeypatch):
    module = load_client()
    client = object.__new__(module.OpenApiClient)  # no hub to read the schema from
    client.client_id, client.client_secret, client._tokens = "id", "secret", {}
    issued = iter(["first", "second"])
    monkeypatch.setattr(client, "_token_url", lambda: "/api/v1/oauth/token/")
    monkeypatch.setattr(
        client, "_send", lambda *_: {"access_token": next(issued), "expires_in": 600}
    )
    clock = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: clock[0])
    assert client._token(["payments:write"]) == "first"
    clock[0] += 530
    assert client._token(["payments:write"]) == "first"
    clock[0] += 15  # within a minute of its end
    assert client._token(["payments:write"]) == "second"
