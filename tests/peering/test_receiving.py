"""What a peer sends: signed, checked, stored once, processed in order; and everything a
receiving hub refuses, logged, with no effect."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from peering.models import InboundMessage, InboundRefusal, NonceSeen, PeerKey

from .support import post, remote_peer

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer():
    return remote_peer()


@pytest.fixture
def client():
    return Client()


def refused(response, code: str, status: int):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert not InboundMessage.objects.exists()  # no effect
    assert InboundRefusal.objects.filter(code=code).exists()  # logged


def test_a_signed_ping_is_processed_once(peer, client):
    envelope = peer.envelope()
    response = post(client, *peer.request(envelope))
    assert response.status_code == 202, response.content
    assert response.json() == {"status": "processed", "id": str(envelope.id)}
    # the sender's retry: the same message signed anew is a duplicate, with no effect
    again = post(client, *peer.request(envelope))
    assert again.status_code == 202 and again.json()["status"] == "duplicate"
    assert InboundMessage.objects.get().status == "processed"
    peer.peer.refresh_from_db()
    assert peer.peer.last_heard_at is not None


def test_an_unsigned_message_is_refused(peer, client):
    body, headers = peer.request(peer.envelope())
    del headers["Signature"]
    refused(post(client, body, headers), "signature_missing", 401)


def test_a_tampered_body_is_refused(peer, client):
    body, headers = peer.request(peer.envelope())
    tampered = body.replace(b'"hello"', b'"HELLO"')
    refused(post(client, tampered, headers), "signature_invalid", 401)


def test_a_tampered_header_is_refused(peer, client):
    envelope = peer.envelope()
    _body, headers = peer.request(envelope)
    other_body, other_headers = peer.request(peer.envelope(payload={"note": "other"}))
    headers["Content-Digest"] = other_headers["Content-Digest"]
    refused(post(client, other_body, headers), "signature_invalid", 401)


def test_a_replayed_request_is_refused(peer, client):
    body, headers = peer.request(peer.envelope())
    assert post(client, body, headers).status_code == 202
    response = post(client, body, headers)
    assert response.status_code == 409 and response.json()["code"] == "replayed"
    assert InboundMessage.objects.count() == 1
    assert InboundRefusal.objects.filter(code="replayed").exists()


def test_a_key_the_peer_does_not_hold_is_refused(peer, client):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    body, headers = peer.request(peer.envelope(), private_key=Ed25519PrivateKey.generate())
    refused(post(client, body, headers), "signature_invalid", 401)
    body, headers = peer.request(peer.envelope(), key_id="hgh.ewtp-hub.example#nope")
    refused(post(client, body, headers), "key_unknown", 401)


def test_a_retired_key_is_refused_and_its_successor_taken(peer, client):
    key_id, private = peer.new_key("hgh.ewtp-hub.example#k2")
    # mid-stream: both keys hold until the old one is retired
    assert post(client, *peer.request(peer.envelope(sequence=1, stream="s"))).status_code == 202
    envelope = peer.envelope(sequence=2, stream="s")
    assert (
        post(client, *peer.request(envelope, key_id=key_id, private_key=private)).status_code == 202
    )
    PeerKey.objects.filter(key_id=peer.key_id).update(retired_at=timezone.now())
    refused_response = post(client, *peer.request(peer.envelope(sequence=3, stream="s")))
    assert refused_response.json()["code"] == "key_unknown"


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_a_signature_outside_the_clock_skew_is_refused(peer, client, skew):
    with time_machine.travel(timezone.now() + skew, tick=False):
        body, headers = peer.request(peer.envelope())
    refused(post(client, body, headers), "clock_skew", 401)


def test_a_skew_within_the_limit_is_taken(peer, client):
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        body, headers = peer.request(peer.envelope())
    assert post(client, body, headers).status_code == 202


def test_a_message_for_another_deployment_is_refused(peer, client):
    refused(post(client, *peer.request(peer.envelope(to="ams.example"))), "not_for_us", 421)


def test_an_unknown_type_or_a_bad_payload_is_refused(peer, client):
    refused(
        post(client, *peer.request(peer.envelope(type="order.teleported"))), "type_unknown", 400
    )
    refused(post(client, *peer.request(peer.envelope(payload={"note": 5}))), "message_invalid", 400)


def test_junk_is_refused_without_a_500(peer, client):
    for body in (b"", b"[]", b"not json", json.dumps({"from": 5}).encode()):
        response = client.post("/api/v1/eroad/messages", data=body, content_type="application/json")
        assert response.status_code in (400, 401), (body, response.status_code)
    assert not InboundMessage.objects.exists()


def test_messages_of_a_stream_are_processed_in_order(peer, client):
    third = peer.envelope(stream="order:EW-1", sequence=3)
    second = peer.envelope(stream="order:EW-1", sequence=2)
    first = peer.envelope(stream="order:EW-1", sequence=1)
    assert post(client, *peer.request(third)).json()["status"] == "waiting"
    assert post(client, *peer.request(second)).json()["status"] == "waiting"
    assert post(client, *peer.request(first)).json()["status"] == "processed"
    statuses = dict(InboundMessage.objects.values_list("sequence", "status"))
    assert statuses == {1: "processed", 2: "processed", 3: "processed"}
    order = list(
        InboundMessage.objects.order_by("processed_at", "sequence").values_list(
            "sequence", flat=True
        )
    )
    assert order == [1, 2, 3]


def test_a_message_id_with_other_content_is_a_conflict(peer, client):
    envelope = peer.envelope()
    post(client, *peer.request(envelope))
    changed = peer.envelope(id=envelope.id, payload={"note": "changed"})
    response = post(client, *peer.request(changed))
    assert response.status_code == 409 and response.json()["code"] == "message_conflict"


def test_old_nonces_are_forgotten(peer, client):
    from peering.tasks import nonces_forget_task

    post(client, *peer.request(peer.envelope()))
    NonceSeen.objects.update(seen_at=timezone.now() - timedelta(hours=1))
    assert nonces_forget_task() == 1
