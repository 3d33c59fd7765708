"""Signed webhooks: signature, delivery, retries with backoff, and the delivery log."""

import http.server
import json
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from ewtp.common.errors import ApplicationError
from ewtp.common.models import WebhookDelivery
from ewtp.common.webhook_endpoints import webhook_endpoint_create
from ewtp.common.webhooks import (
    HEADER,
    webhook_deliver,
    webhook_due_ids,
    webhook_emit,
    webhook_sign,
    webhook_signature_verify,
)
from tests import factories
from tests.conftest import issue_token

pytestmark = pytest.mark.django_db
BODY = b'{"id": "1", "type": "payment.confirmed"}'


def test_a_valid_signature_verifies():
    now = int(time.time())
    assert webhook_signature_verify("s3cret", webhook_sign("s3cret", BODY, now), BODY)


@pytest.mark.parametrize("case", ["tampered body", "wrong secret", "stale", "garbage"])
def test_tampered_stale_or_garbage_signatures_are_refused(case):
    now = int(time.time())
    header = webhook_sign("s3cret", BODY, now - 301 if case == "stale" else now)
    body = BODY.replace(b"1", b"2") if case == "tampered body" else BODY
    secret = "other" if case == "wrong secret" else "s3cret"
    if case == "garbage":
        header = "v1=deadbeef"
    assert not webhook_signature_verify(secret, header, body)


@pytest.fixture
def channel():
    return factories.api_client(kind="channel", name="Shop", scopes=["orders:read"])


def test_registration_checks_events_and_scheme(channel, settings):
    with pytest.raises(ApplicationError, match="Choose events"):
        webhook_endpoint_create(
            api_client=channel.client, url="https://x.example", events=["order.eaten"]
        )
    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ApplicationError, match="https"):
        webhook_endpoint_create(
            api_client=channel.client, url="http://x.example", events=["payment.confirmed"]
        )


def test_failures_back_off_then_give_up_and_are_logged(channel, settings):
    endpoint = webhook_endpoint_create(
        api_client=channel.client, url="https://shop.example/hook", events=["payment.confirmed"]
    )
    (delivery,) = webhook_emit(api_client=channel.client, event="payment.confirmed", data={"a": 1})
    answers = [503, ConnectionRefusedError("down"), 200]

    def transport(url, body, headers):
        assert webhook_signature_verify(endpoint.secret, headers[HEADER], body)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    delays = []
    for _ in range(3):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        delivery = webhook_deliver(delivery_id=delivery.pk, transport=transport)
        if delivery.next_attempt_at:
            delays.append(delivery.next_attempt_at - timezone.now())
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert delays[1] > delays[0]
    assert (
        webhook_deliver(delivery_id=delivery.pk, transport=transport).attempts == 3
    )  # not sent again

    settings.WEBHOOK_MAX_ATTEMPTS = 1
    (failing,) = webhook_emit(api_client=channel.client, event="payment.confirmed", data={})
    failing = webhook_deliver(delivery_id=failing.pk, transport=lambda *a: 500)
    assert (failing.status, failing.last_status_code) == ("failed", 500)
    assert webhook_due_ids() == []


def test_only_listeners_of_the_event_get_it(channel):
    webhook_endpoint_create(
        api_client=channel.client, url="https://a.example", events=["refund.issued"]
    )
    assert webhook_emit(api_client=channel.client, event="payment.confirmed", data={}) == []


def test_a_real_receiver_on_loopback_verifies_what_it_gets(channel):
    received = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers[HEADER], body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        endpoint = webhook_endpoint_create(
            api_client=channel.client,
            url=f"http://127.0.0.1:{server.server_port}/h",
            events=["escrow.released"],
        )
        (delivery,) = webhook_emit(
            api_client=channel.client, event="escrow.released", data={"order": "EW-1"}
        )
        delivery = webhook_deliver(delivery_id=delivery.pk)
    finally:
        thread.join(timeout=5)
        server.server_close()
    assert (delivery.status, delivery.last_status_code) == ("delivered", 204)
    header, body = received[0]
    assert webhook_signature_verify(endpoint.secret, header, body)
    assert json.loads(body)["data"] == {"order": "EW-1"}


def test_partners_register_endpoints_over_the_api(api):
    channel = factories.api_client(kind="channel", name="Shop", scopes=["webhooks:manage"])
    token = issue_token(api, channel).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    created = api.post(
        "/api/v1/webhooks",
        {"url": "https://shop.example/h", "events": ["payment.confirmed"]},
        format="json",
        **auth,
    )
    assert created.status_code == 201
    assert len(created.json()["secret"]) == 64
    listed = api.get("/api/v1/webhooks", **auth).json()
    assert [e["url"] for e in listed] == ["https://shop.example/h"] and "secret" not in listed[0]
    bad = api.post(
        "/api/v1/webhooks", {"url": "https://x", "events": ["nope"]}, format="json", **auth
    )
    assert bad.status_code == 400


def test_a_channels_order_paid_in_full_sends_payment_confirmed(hgh, channel):
    from moneyed import Money

    from hubs.services.placement import Consumer, LineRequest, OrderRequest, order_place
    from payments.services.intents import BankTransfer, payment_intent_open, payment_receive

    factories.open_eroads()
    webhook_endpoint_create(
        api_client=channel.client, url="https://shop.example/h", events=["payment.confirmed"]
    )
    product = factories.ProductFactory()
    order = order_place(
        request=OrderRequest(
            seller=product.seller,
            destination_hub=hgh,
            channel=channel.client,
            lines=[LineRequest(product.pk, 1)],
            consumer=Consumer(
                name="Li Na", address="Hangzhou", country="CN", id_reference="11010519491231002X"
            ),
        ),
        actor=None,
    )
    payment_intent_open(order=order)
    bank = factories.api_client(kind="bank", name="Bank", scopes=["payments:write"]).client
    payment_receive(
        order_reference=order.reference,
        transfer=BankTransfer(
            bank=bank, bank_reference="B1", amount=Money("45.00", "MYR"), payer_name="Li Na"
        ),
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.payload["order_reference"]) == (
        "payment.confirmed",
        order.reference,
    )
    assert delivery.next_attempt_at <= timezone.now() + timedelta(seconds=1)


def test_a_slow_attempt_does_not_overwrite_a_newer_outcome(channel):
    webhook_endpoint_create(
        api_client=channel.client, url="https://shop.example/h", events=["refund.issued"]
    )
    (delivery,) = webhook_emit(api_client=channel.client, event="refund.issued", data={})

    def slow_then_overtaken(url, body, headers):
        # while this attempt waited, its lease ran out and a retry delivered it
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status="delivered", next_attempt_at=None
        )
        return 500

    result = webhook_deliver(delivery_id=delivery.pk, transport=slow_then_overtaken)
    assert result.status == "delivered"
