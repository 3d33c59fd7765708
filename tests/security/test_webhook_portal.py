"""Owners manage their systems' webhook endpoints in the portal, with the API's rules."""

import pytest

from ewtp.common.models import WebhookDelivery, WebhookEndpoint
from hubs.models import Membership
from hubs.services.organizations import organization_api_client_create
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp(sme_owner):
    organization = Membership.objects.get(user=sme_owner).organization
    return organization_api_client_create(organization=organization, name="ERP", actor=sme_owner)


def _page(erp):
    return f"/organisation/api-clients/{erp.client_id}/webhooks/"


def _add(client, erp, url="https://erp.example/hooks"):
    return client.post(_page(erp), {"action": "add", "url": url, "events": ["refund.issued"]})


def test_an_owner_adds_an_endpoint_and_reads_its_secret_once(client, sme_owner, erp):
    client.force_login(sme_owner)
    response = _add(client, erp)
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in client.get(_page(erp)).content.decode()


def test_an_internal_address_is_a_form_error(client, sme_owner, erp, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    client.force_login(sme_owner)
    response = _add(client, erp, url="https://169.254.169.254/latest")
    assert response.status_code == 400
    assert "private, loopback" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_disable_test_rotate_and_delete(client, sme_owner, erp, django_capture_on_commit_callbacks):
    client.force_login(sme_owner)
    _add(client, erp)
    endpoint = WebhookEndpoint.objects.get()
    old_secret = endpoint.secret

    def act(action):
        return client.post(_page(erp), {"action": action, "endpoint": str(endpoint.public_id)})

    with django_capture_on_commit_callbacks(execute=True):
        assert act("test").status_code == 302
    assert WebhookDelivery.objects.get().event == "webhook.test"
    assert "webhook.test" in client.get(_page(erp)).content.decode()
    act("disable")
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    rotated = act("rotate")
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.secret in rotated.content.decode()
    act("delete")
    assert not WebhookEndpoint.objects.exists()


def test_staff_and_other_organisations_cannot_manage_them(client, sme_owner, erp, kul):
    staff = factories.MembershipFactory(
        role="staff", organization=Membership.objects.get(user=sme_owner).organization
    ).user
    client.force_login(staff)
    assert client.get(_page(erp)).status_code == 403
    stranger = factories.MembershipFactory(role="owner", organization__home_hub=kul).user
    client.force_login(stranger)
    assert client.get(_page(erp)).status_code == 404
    assert _add(client, erp).status_code == 404
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("endpoint", ["not-a-uuid", "", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_endpoint_is_a_404(client, sme_owner, erp, endpoint):
    client.force_login(sme_owner)
    response = client.post(_page(erp), {"action": "delete", "endpoint": endpoint})
    assert response.status_code == 404
