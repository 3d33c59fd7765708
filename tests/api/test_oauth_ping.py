"""A partner obtains a token with client credentials and calls the API with it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from tests import factories
from tests.conftest import basic_auth, issue_token

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def test_client_credentials_token_then_ping(api, bank_credentials):
    token = issue_token(api, bank_credentials)
    assert token.status_code == 200
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert set(body["scope"].split()) == {"hubs:read", "statements:read"}

    response = api.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")

    assert response.status_code == 200
    ping = response.json()
    assert ping["client_id"] == bank_credentials.client_id
    assert ping["client_name"] == "Test Bank"
    assert ping["kind"] == "bank"
    assert ping["scopes"] == ["hubs:read", "statements:read"]


def test_a_token_can_be_narrowed_to_fewer_scopes(api, bank_credentials):
    token = issue_token(api, bank_credentials, scope="hubs:read").json()["access_token"]
    ping = api.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert ping["scopes"] == ["hubs:read"]


def test_a_scope_the_client_was_not_granted_is_refused(api, bank_credentials):
    response = issue_token(api, bank_credentials, scope="hubs:read credit:write")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["error"] == "invalid_scope"  # RFC 6749 clients read this member
    assert response.json()["code"] == "invalid_scope"


def test_wrong_secret_gets_no_token(api, bank_credentials):
    response = api.post(
        "/api/v1/oauth/token/",
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(bank_credentials.client_id, "wrong"),
    )
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["title"] == "Authentication required"
    assert "wrong secret" in body["detail"]


@pytest.mark.parametrize(
    "body",
    ["grant_type=password&username=a&password=b", "grant_type=implicit", "", "grant_type=%ff%fe"],
)
def test_other_grants_and_garbage_are_refused_clearly(api, bank_credentials, body):
    response = api.post(
        "/api/v1/oauth/token/",
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(bank_credentials.client_id, bank_credentials.client_secret),
    )
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-real-token", "Bearer ", "Basic Zm9vOmJhcg==", "Token abc"],
)
def test_missing_or_wrong_token_is_a_401_problem(api, db, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    response = api.get("/api/v1/ping", **headers)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["title"] == "Authentication required"
    assert body["status"] == 401


def test_expired_token_is_a_401(api, bank_credentials, bank_token):
    # tokens are stored hashed (RFC 9700), so find it by its client
    AccessToken.objects.filter(application=bank_credentials.client.application).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    response = api.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {bank_token}")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_token_without_the_scope_gets_403(api):
    channel = factories.api_client(kind="channel", name="Shop", scopes=["orders:read"])
    token = issue_token(api, channel).json()["access_token"]

    assert api.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    response = api.get("/api/v1/hubs/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["title"] == "Permission denied"
    assert "scope" in response.json()["detail"]


def test_a_deactivated_client_is_shut_out_at_once(api, bank_credentials, bank_token):
    bank_credentials.client.is_active = False
    bank_credentials.client.save()
    response = api.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {bank_token}")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert issue_token(api, bank_credentials).status_code == 401


def test_secret_is_stored_hashed_and_rotation_revokes_the_old_one(api, bank_credentials):
    from ewtp.common.api_clients import api_client_secret_rotate

    application = bank_credentials.client.application
    assert application.client_secret != bank_credentials.client_secret
    rotated = api_client_secret_rotate(client=bank_credentials.client)

    assert issue_token(api, bank_credentials).status_code == 401
    assert issue_token(api, rotated).status_code == 200


def test_rotation_revokes_tokens_already_issued(api, bank_credentials, bank_token):
    from ewtp.common.api_clients import api_client_secret_rotate

    api_client_secret_rotate(client=bank_credentials.client)
    assert api.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {bank_token}").status_code == 401


def test_narrowing_a_client_revokes_its_tokens(api, bank_credentials, bank_token):
    from ewtp.common.api_clients import api_client_update

    api_client_update(client=bank_credentials.client, is_active=True, scopes=["statements:read"])
    assert api.get("/api/v1/hubs/", HTTP_AUTHORIZATION=f"Bearer {bank_token}").status_code == 401
    token = issue_token(api, bank_credentials).json()["access_token"]
    assert api.get("/api/v1/hubs/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403
