"""Owners revoke their organisation's API keys, or give them a new secret, in the portal:
the old secret and every token stop working at once; staff and other organisations' owners
cannot touch them."""

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken

from ewtp.common.models import ApiClient, AuditEntry
from hubs.services.organizations import organization_api_client_create
from tests import factories
from tests.conftest import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp(kul):
    organization = factories.SellerFactory()
    owner = factories.member(organization)
    issued = organization_api_client_create(organization=organization, name="ERP", actor=owner)
    return {"organization": organization, "owner": owner, "issued": issued}


def token(api, credentials) -> str:
    response = issue_token(api, credentials)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def calls(api, access_token) -> int:
    return api.get("/api/v1/organization", HTTP_AUTHORIZATION=f"Bearer {access_token}").status_code


def url(erp, action) -> str:
    return f"/organisation/api-clients/{erp['issued'].client_id}/{action}/"


def test_an_owner_revokes_a_key_and_its_tokens_stop_at_once(client, api, erp):
    live = token(api, erp["issued"])
    assert calls(api, live) == 200
    client.force_login(erp["owner"])
    response = client.post(url(erp, "revoke"))
    assert response.status_code == 302
    assert not ApiClient.objects.get(pk=erp["issued"].client.pk).is_active
    assert calls(api, live) == 401
    assert issue_token(api, erp["issued"]).status_code == 401  # no new token either
    page = client.get("/organisation/api-clients/").content.decode()
    assert "Revoked" in page
    entry = AuditEntry.objects.get(action="hubs.api_client.revoked")
    assert (entry.actor, entry.target_id) == (erp["owner"], str(erp["organization"].pk))
    assert entry.data["before"] == {"is_active": True}
    assert entry.data["after"] == {"is_active": False}
    assert AuditEntry.objects.filter(action="common.api_client.updated").count() == 1
    assert client.post(url(erp, "revoke")).status_code == 302  # a second click: nothing more
    assert AuditEntry.objects.filter(action="hubs.api_client.revoked").count() == 1


def test_an_owner_rotates_the_secret_and_sees_it_once(client, api, erp):
    live = token(api, erp["issued"])
    client.force_login(erp["owner"])
    response = client.post(url(erp, "rotate"))
    assert response.status_code == 200
    issued = response.context["issued"]
    assert issued.client_id == erp["issued"].client_id
    assert issued.client_secret != erp["issued"].client_secret
    assert issued.client_secret in response.content.decode()
    assert issued.client_secret not in client.get("/organisation/api-clients/").content.decode()
    assert calls(api, live) == 401  # the old token
    assert issue_token(api, erp["issued"]).status_code == 401  # the old secret
    assert calls(api, token(api, issued)) == 200  # the new one works
    assert AuditEntry.objects.filter(
        action="hubs.api_client.secret_rotated", actor=erp["owner"]
    ).exists()
    assert AuditEntry.objects.filter(action="common.api_client.secret_rotated").exists()


def test_a_revoked_key_gets_no_new_secret(client, erp):
    client.force_login(erp["owner"])
    client.post(url(erp, "revoke"))
    response = client.post(url(erp, "rotate"), follow=True)
    assert "issued" not in response.context or response.context["issued"] is None
    assert "revoked" in response.content.decode()
    assert not AuditEntry.objects.filter(action="hubs.api_client.secret_rotated").exists()


@pytest.mark.parametrize("action", ["revoke", "rotate"])
def test_staff_and_other_owners_cannot_touch_the_keys(client, api, erp, action):
    live = token(api, erp["issued"])
    staff = factories.member(erp["organization"], role="staff")
    client.force_login(staff)
    assert client.post(url(erp, action)).status_code == 403
    stranger = factories.member(factories.SellerFactory())
    client.force_login(stranger)
    assert client.post(url(erp, action)).status_code == 404  # not theirs: not found
    client.logout()
    response = client.post(url(erp, action))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert calls(api, live) == 200  # the key and its token are untouched
    assert ApiClient.objects.get(pk=erp["issued"].client.pk).is_active
    assert AccessToken.objects.count() == 1


@pytest.mark.parametrize("action", ["revoke", "rotate"])
def test_only_a_post_with_the_csrf_token_acts(api, erp, action):
    live = token(api, erp["issued"])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(erp["owner"])
    assert browser.get(url(erp, action)).status_code == 405
    assert browser.post(url(erp, action)).status_code == 403  # no CSRF token
    assert calls(api, live) == 200
    page = browser.get("/organisation/api-clients/")
    csrf = page.context["csrf_token"]
    assert browser.post(url(erp, action), {"csrfmiddlewaretoken": str(csrf)}).status_code in (
        200,
        302,
    )
    assert calls(api, live) == 401


def test_an_unknown_key_is_not_found(client, erp):
    client.force_login(erp["owner"])
    assert client.post("/organisation/api-clients/nope/revoke/").status_code == 404
