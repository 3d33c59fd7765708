"""A partner's webhook endpoints: capped, one per URL, managed only with their scope, each
client seeing only its own; disable, rotate, delete, a test event and the delivery log."""

import pytest

from ewtp.common.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from ewtp.common.webhooks import webhook_deliver, webhook_emit, webhook_signature_verify
from tests import factories
from tests.conftest import issue_token

pytestmark = pytest.mark.django_db
HOOKS = "/api/v1/webhooks"


def _as(api, credentials):
    token = issue_token(api, credentials).json()["access_token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


@pytest.fixture
def channel():
    return factories.api_client(kind="channel", name="Shop", scopes=["webhooks:manage"])


@pytest.fixture
def shop(api, channel):
    return _as(api, channel)


def _create(shop, url="https://shop.example/h", events=("refund.issued",)):
    return shop.post(HOOKS, {"url": url, "events": list(events)}, format="json")


def test_a_token_without_the_webhooks_scope_cannot_register_or_list(api):
    reader = factories.api_client(kind="channel", name="Reader", scopes=["hubs:read"])
    client = _as(api, reader)
    assert _create(client).status_code == 403
    assert client.get(HOOKS).status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_the_same_url_twice_is_refused_even_written_differently(shop):
    first = _create(shop)
    assert first.status_code == 201
    for url in ("https://shop.example/h", "HTTPS://Shop.EXAMPLE:443/h"):
        again = _create(shop, url=url)
        assert again.status_code == 409, again.content
        assert again.json()["code"] == "webhook_url_registered"
        assert again.json()["endpoint"] == first.json()["id"]
    assert WebhookEndpoint.objects.count() == 1


def test_a_client_has_at_most_the_configured_number_of_endpoints(shop, settings):
    settings.WEBHOOK_MAX_ENDPOINTS = 10
    for n in range(10):
        assert _create(shop, url=f"https://shop.example/h{n}").status_code == 201
    refused = _create(shop, url="https://shop.example/h10")
    assert (refused.status_code, refused.json()["code"]) == (409, "webhook_endpoints_limit")
    assert WebhookEndpoint.objects.count() == 10


def test_an_event_is_one_post_per_endpoint(shop, channel):
    _create(shop)
    _create(shop, url="https://shop.example/other")
    deliveries = webhook_emit(api_client=channel.client, event="refund.issued", data={})
    assert len(deliveries) == 2


def test_another_clients_endpoint_is_not_found(api, shop):
    endpoint_id = _create(shop).json()["id"]
    other = _as(api.__class__(), factories.api_client(name="Other", scopes=["webhooks:manage"]))
    for response in (
        other.get(f"{HOOKS}/{endpoint_id}"),
        other.patch(f"{HOOKS}/{endpoint_id}", {"is_active": False}, format="json"),
        other.delete(f"{HOOKS}/{endpoint_id}"),
        other.post(f"{HOOKS}/{endpoint_id}/rotate-secret"),
        other.get(f"{HOOKS}/{endpoint_id}/deliveries"),
    ):
        assert response.status_code == 404, response.content
    assert WebhookEndpoint.objects.get().is_active


def test_disabling_cancels_what_is_queued_and_stops_new_events(shop, channel):
    endpoint_id = _create(shop).json()["id"]
    (queued,) = webhook_emit(api_client=channel.client, event="refund.issued", data={})

    response = shop.patch(f"{HOOKS}/{endpoint_id}", {"is_active": False}, format="json")

    assert response.status_code == 200 and response.json()["is_active"] is False
    queued.refresh_from_db()
    assert queued.status == WebhookDelivery.Status.FAILED
    assert webhook_emit(api_client=channel.client, event="refund.issued", data={}) == []
    enabled = shop.patch(f"{HOOKS}/{endpoint_id}", {"is_active": True}, format="json")
    assert enabled.json()["is_active"] is True


def test_rotating_the_secret_signs_every_later_delivery_with_the_new_one(shop, channel):
    created = _create(shop).json()
    (pending,) = webhook_emit(api_client=channel.client, event="refund.issued", data={})

    rotated = shop.post(f"{HOOKS}/{created['id']}/rotate-secret")

    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert len(new_secret) == 64 and new_secret != created["secret"]
    seen = []
    webhook_deliver(
        delivery_id=pending.pk,
        transport=lambda url, body, headers: seen.append((headers["Ewtp-Signature"], body)) or 204,
    )
    header, body = seen[0]
    assert webhook_signature_verify(new_secret, header, body)
    assert not webhook_signature_verify(created["secret"], header, body)
    assert "secret" not in shop.get(f"{HOOKS}/{created['id']}").json()


def test_a_test_event_reaches_the_log(shop, django_capture_on_commit_callbacks):
    endpoint_id = _create(shop, events=["payment.confirmed"]).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        sent = shop.post(f"{HOOKS}/{endpoint_id}/test")

    assert sent.status_code == 202 and sent.json()["event"] == "webhook.test"
    log = shop.get(f"{HOOKS}/{endpoint_id}/deliveries").json()
    assert [entry["event"] for entry in log["results"]] == ["webhook.test"]
    (entry,) = log["results"]
    # delivered in-process to loopback, where nothing listens: a failed attempt, logged
    assert entry["attempts"] == 1 and entry["status"] == "pending" and entry["last_error"]


def test_deleting_an_endpoint_removes_it_and_is_audited(shop):
    endpoint_id = _create(shop).json()["id"]

    assert shop.delete(f"{HOOKS}/{endpoint_id}").status_code == 204

    assert shop.get(f"{HOOKS}/{endpoint_id}").status_code == 404
    assert shop.get(HOOKS).json() == []
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"common.webhook_endpoint.created", "common.webhook_endpoint.deleted"} <= actions


def test_changing_the_url_to_an_internal_one_is_refused(shop, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    settings.OUTBOUND_RESOLVE_TO = "93.184.215.14"  # every name is public for this test
    endpoint_id = _create(shop).json()["id"]

    response = shop.patch(f"{HOOKS}/{endpoint_id}", {"url": "https://10.0.0.7/h"}, format="json")

    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "url"
    assert WebhookEndpoint.objects.get().url == "https://shop.example/h"


def test_a_revoked_client_gets_no_more_events(shop, channel):
    from ewtp.common.api_clients import api_client_update

    _create(shop)
    (queued,) = webhook_emit(api_client=channel.client, event="refund.issued", data={})

    api_client_update(client=channel.client, is_active=False, scopes=["webhooks:manage"])
    channel.client.refresh_from_db()

    assert webhook_emit(api_client=channel.client, event="refund.issued", data={}) == []
    sent = []
    webhook_deliver(delivery_id=queued.pk, transport=lambda *args: sent.append(args) or 204)
    assert sent == []


@pytest.mark.parametrize("value", [0, 1, "false", "no"])
def test_is_active_takes_only_true_or_false(shop, value):
    endpoint_id = _create(shop).json()["id"]
    response = shop.patch(f"{HOOKS}/{endpoint_id}", {"is_active": value}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "is_active"
    assert WebhookEndpoint.objects.get().is_active
