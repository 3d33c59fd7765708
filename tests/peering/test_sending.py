"""What this deployment sends: recorded with its stream's next number, delivered after
commit, kept waiting (in order, with backoff) while the peer cannot be reached, refused for
good only by a refusal that is the message's own. Against this deployment's own receiving
end on loopback: the e-road to itself."""

import socket
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from peering.models import InboundMessage, OutboundMessage, Peer, PeerKey
from peering.services.outbound import message_send, outbound_drain
from peering.services.peers import signing_key_current

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends


@pytest.fixture
def loopback(live_server, settings):
    """A peer that is this deployment itself, at the live server."""
    key = signing_key_current()
    peer = Peer.objects.create(
        name="Itself", deployment=settings.PEERING_DEPLOYMENT, base_url=live_server.url
    )
    PeerKey.objects.create(peer=peer, key_id=key.key_id, public_key=key.public_key)
    return peer


def test_messages_go_out_after_commit_in_order(loopback):
    for n in range(3):
        message_send(peer=loopback, type="eroad.ping", stream="s", payload={"note": str(n)})
    # eager Celery: each commit drained the outbox
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"delivered"}
    received = list(InboundMessage.objects.order_by("sequence").values_list("sequence", "status"))
    assert received == [(1, "processed"), (2, "processed"), (3, "processed")]


def test_a_peer_down_keeps_the_messages_waiting_and_they_drain_in_order(loopback, live_server):
    Peer.objects.filter(pk=loopback.pk).update(base_url=f"http://127.0.0.1:{closed_port()}")
    loopback.refresh_from_db()
    for n in range(3):
        message_send(peer=loopback, type="eroad.ping", stream="s", payload={"note": str(n)})
    first = OutboundMessage.objects.order_by("id").first()
    assert first.status == "pending" and first.attempts >= 1 and first.next_attempt_at
    assert "no answer" in first.last_error
    assert not InboundMessage.objects.exists()

    Peer.objects.filter(pk=loopback.pk).update(base_url=live_server.url)
    assert outbound_drain(peer_id=loopback.pk) == 0  # still backing off
    with time_machine.travel(timezone.now() + timedelta(minutes=15), tick=False):
        assert outbound_drain(peer_id=loopback.pk) == 3
    assert list(InboundMessage.objects.order_by("id").values_list("sequence", flat=True)) == [
        1,
        2,
        3,
    ]


def test_a_refusal_of_the_message_itself_is_final(loopback, settings):
    message_send(peer=loopback, type="eroad.ping", stream="s", payload={})
    # the receiver stops taking pings: the next one is refused as type_unknown, for good
    from peering import handlers

    ping = handlers.TYPES.pop("eroad.ping")
    try:
        with pytest.raises(Exception):  # noqa: B017 - the sender refuses it too
            message_send(peer=loopback, type="eroad.ping", stream="s", payload={})
        OutboundMessage.objects.create(
            peer=loopback, type="eroad.ping", stream="s", sequence=2, payload={}
        )
        outbound_drain(peer_id=loopback.pk)
    finally:
        handlers.TYPES["eroad.ping"] = ping
    refused = OutboundMessage.objects.get(sequence=2)
    assert refused.status == "refused" and "type_unknown" in refused.last_error
