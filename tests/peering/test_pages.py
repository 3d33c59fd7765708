"""The e-road page of the MDEC officers: this deployment's keys and their rotation, each peer
with its keys and its health (ours waiting and for how long, theirs held, refusals on either
side), a peer registered and its keys added and retired, a ping queued; refusals shown on the
field they name; nobody else sees or does any of it, and the page runs the same number of
queries for one peer as for five."""

import socket
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ewtp.common.models import AuditEntry
from hubs.models import ERoad
from hubs.navigation import navigation_for
from peering.models import InboundMessage, InboundRefusal, OutboundMessage, Peer, PeerKey
from peering.services.peers import signing_key_current

from .support import public_of, remote_peer

pytestmark = pytest.mark.django_db
PAGE = "/eroad/"


def closed_port() -> int:
    """A loopback port nothing listens on: a peer there never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends


def a_public_key() -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return public_of(Ed25519PrivateKey.generate())


@pytest.fixture
def peer():
    """The Hangzhou deployment, at a loopback port that does not answer, with one key."""
    return remote_peer(base_url=f"http://127.0.0.1:{closed_port()}").peer


@pytest.fixture
def officer(client, mdec_officer):
    client.force_login(mdec_officer)
    return client


def outbound(peer, *, status="pending", sequence=1, age=timedelta(0), last_error=""):
    message = OutboundMessage.objects.create(
        peer=peer,
        type="eroad.ping",
        stream="ping",
        sequence=sequence,
        payload={},
        status=status,
        last_error=last_error,
    )
    OutboundMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - age)
    return message


def inbound(peer, *, status="waiting", sequence=2):
    return InboundMessage.objects.create(
        peer=peer,
        message_id=uuid.uuid4(),
        type="eroad.ping",
        stream="theirs",
        sequence=sequence,
        payload={},
        digest="sha-256=:x:",
        key_id="hgh.ewtp-hub.example#k1",
        sent_at=timezone.now(),
        status=status,
    )


def refusal(peer, code="signature_invalid", detail="The signature does not verify."):
    return InboundRefusal.objects.create(peer=peer, code=code, detail=detail)


def page_of(officer) -> str:
    response = officer.get(PAGE)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_an_officer_sees_a_peer_with_its_keys_and_its_health(officer, peer, eroads):
    peer.eroads.set(ERoad.objects.all())
    outbound(peer, age=timedelta(hours=2, minutes=5))
    outbound(peer, status="refused", sequence=2, last_error="422 message_invalid: no note")
    inbound(peer, status="waiting", sequence=2)
    inbound(peer, status="failed", sequence=3)
    refusal(peer, code="replayed", detail="This signature was presented before.")

    response = officer.get(PAGE)
    assert response.status_code == 200
    (row,) = response.context["rows"]
    health = row.health
    assert (health.waiting_out, health.refused_out, health.waiting_in, health.failed_in) == (
        1,
        1,
        1,
        1,
    )
    assert health.refused_requests == 1
    assert row.status.tone == "refused"
    assert row.status.lines == [
        "Waiting: 1 message, oldest 2\xa0hours ago",
        "Held here: 1 of theirs waits for an earlier message",
        "Refusals: 1 of ours refused by the peer; 1 of theirs refused by our handlers; "
        "1 request refused here in the last 24 hours",
    ]
    page = response.content.decode()
    for shown in (
        "Hangzhou hub",
        "hgh.ewtp-hub.example",
        peer.base_url,
        "hgh.ewtp-hub.example#k1",
        "KUL → HGH",
        "HGH → KUL",
        settings.PEERING_DEPLOYMENT,
        "/api/v1/eroad/keys",
        # the latest refusals, on both sides
        "replayed",
        "This signature was presented before.",
        "ping#2",
        "422 message_invalid: no note",
    ):
        assert shown in page, shown


def test_a_peer_with_nothing_waiting_and_no_refusal_is_healthy(officer, peer):
    outbound(peer, status="delivered")
    inbound(peer, status="processed")
    (row,) = officer.get(PAGE).context["rows"]
    assert (row.status.tone, row.status.lines) == ("healthy", ["Healthy"])
    assert "Never" in page_of(officer)  # nothing heard from it yet


def test_an_officer_registers_a_peer(officer, mdec_officer, eroads):
    eroad = ERoad.objects.get(origin__code="KUL")
    url = f"http://127.0.0.1:{closed_port()}"
    response = officer.post(
        PAGE,
        {
            "action": "register",
            "name": "Hangzhou hub",
            "deployment": "HGH.ewtp-hub.example",
            "base_url": url,
            "eroads": [eroad.pk],
        },
        follow=True,
    )
    assert response.redirect_chain == [(PAGE, 302)]
    peer = Peer.objects.get()
    assert (peer.deployment, peer.base_url) == ("hgh.ewtp-hub.example", url)
    assert list(peer.eroads.all()) == [eroad]
    audit = AuditEntry.objects.get(action="peering.peer.registered")
    assert audit.actor == mdec_officer
    page = response.content.decode()
    assert "Hangzhou hub registered. Next, add its public keys" in page
    assert "No key yet: every message from this peer is refused" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"base_url": "ftp://x"}, "base_url", "Enter a valid URL."),
        ({"base_url": "ftp://hgh.example.org"}, "base_url", "starts with https://"),
        ({"base_url": "http://user:pw@127.0.0.1:9"}, "base_url", "no user name or password"),
        ({"deployment": settings.PEERING_DEPLOYMENT}, "deployment", "this deployment's own id"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_a_peer_refused_is_a_form_error_and_registers_nothing(officer, data, field, message):
    posted = {
        "action": "register",
        "name": "Hangzhou hub",
        "deployment": "hgh.ewtp-hub.example",
        "base_url": "http://127.0.0.1:9",
    } | data
    response = officer.post(PAGE, posted)
    assert response.status_code == 400
    errors = response.context["register_form"].errors
    assert message in " ".join(errors[field]), errors
    assert not Peer.objects.exists()
    assert not AuditEntry.objects.filter(action="peering.peer.registered").exists()


def test_an_officer_adds_a_key_to_a_peer(officer, peer, mdec_officer):
    public_key = a_public_key()
    response = officer.post(
        PAGE,
        {
            "action": "key_add",
            "peer": str(peer.public_id),
            "key_id": "hgh.ewtp-hub.example#k2",
            "public_key": public_key,
        },
        follow=True,
    )
    assert response.redirect_chain == [(PAGE, 302)]
    key = PeerKey.objects.get(key_id="hgh.ewtp-hub.example#k2")
    assert (key.peer, key.public_key, key.retired_at) == (peer, public_key, None)
    assert AuditEntry.objects.get(action="peering.peer_key.added").actor == mdec_officer
    assert "Key hgh.ewtp-hub.example#k2 of Hangzhou hub added" in response.content.decode()


@pytest.mark.parametrize(
    ("key_id", "public_key", "field", "message"),
    [
        ("hgh#k2", "not-a-key", "public_key", "This is not an Ed25519 public key"),
        ("hgh.ewtp-hub.example#k1", None, "key_id", "has a key with this id already"),
        ("", None, "key_id", "This field is required."),
    ],
)
def test_a_key_refused_is_a_form_error_on_its_peer(
    officer, peer, key_id, public_key, field, message
):
    other = remote_peer("sha.ewtp-hub.example", base_url="http://127.0.0.1:9").peer
    response = officer.post(
        PAGE,
        {
            "action": "key_add",
            "peer": str(peer.public_id),
            "key_id": key_id,
            "public_key": public_key or a_public_key(),
        },
    )
    assert response.status_code == 400
    forms = {row.health.peer: row.key_form for row in response.context["rows"]}
    assert message in " ".join(forms[peer].errors[field]), forms[peer].errors
    assert not forms[other].is_bound  # the other peer's form is a fresh one
    assert PeerKey.objects.filter(peer=peer).count() == 1
    assert f'id="id_key_{peer.public_id.hex[:12]}_{field}"' in response.content.decode()


def test_an_officer_retires_a_peer_key(officer, peer, mdec_officer):
    response = officer.post(
        PAGE,
        {"action": "key_retire", "peer": str(peer.public_id), "key_id": "hgh.ewtp-hub.example#k1"},
        follow=True,
    )
    assert response.redirect_chain == [(PAGE, 302)]
    assert PeerKey.objects.get().retired_at is not None
    assert AuditEntry.objects.get(action="peering.peer_key.retired").actor == mdec_officer
    page = response.content.decode()
    assert "Key hgh.ewtp-hub.example#k1 of Hangzhou hub retired" in page
    assert "Retired " in page
    # a key the peer does not have, or a peer that is not one, is a 404
    assert (
        officer.post(
            PAGE, {"action": "key_retire", "peer": str(peer.public_id), "key_id": "nope"}
        ).status_code
        == 404
    )
    assert officer.post(PAGE, {"action": "ping", "peer": "junk"}).status_code == 404


def test_an_officer_rotates_our_key_and_both_stay_in_force(officer, mdec_officer):
    first = signing_key_current()
    response = officer.post(PAGE, {"action": "rotate"}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    keys = response.context["own_keys"]
    assert len(keys) == 2 and keys[1] == first  # the newest signs; the previous one holds
    assert AuditEntry.objects.filter(
        action="peering.signing_key.rotated", actor=mdec_officer
    ).exists()
    page = response.content.decode()
    assert f"Key {keys[0].key_id} signs our messages from now on" in page
    assert "Send the new public key to each peer" in page
    assert keys[0].public_key in page and first.public_key in page


def test_a_ping_to_a_peer_that_does_not_answer_waits(
    officer, peer, django_capture_on_commit_callbacks
):
    # the drain runs after the commit (eagerly here) and finds nobody at the peer's port
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(PAGE, {"action": "ping", "peer": str(peer.public_id)})
    assert response.status_code == 302
    message = OutboundMessage.objects.get()
    assert (message.peer, message.type, message.stream, message.sequence) == (
        peer,
        "eroad.ping",
        "ping",
        1,
    )
    assert message.payload == {"note": "from the officers' page"}
    assert message.status == "pending" and message.attempts == 1
    assert "no answer" in message.last_error

    response = officer.get(PAGE)
    (row,) = response.context["rows"]
    assert row.health.waiting_out == 1
    assert row.status.tone == "waiting"
    assert row.status.lines[0].startswith("Waiting: 1 message, oldest ")
    assert "Ping to Hangzhou hub queued" in response.content.decode()


@pytest.mark.parametrize("persona", ["sme_owner", "customs_officer", "hub_operator"])
def test_nobody_else_sees_or_acts_on_the_page(client, request, persona, peer):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"action": "rotate"}).status_code == 403
    assert client.post(PAGE, {"action": "ping", "peer": str(peer.public_id)}).status_code == 403
    assert not OutboundMessage.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="peering.").exists()
    assert "E-road" not in [item.label for item in navigation_for(request.getfixturevalue(persona))]


def test_the_page_is_in_the_officers_menu_and_asks_others_to_sign_in(client, mdec_officer):
    assert "E-road" in [item.label for item in navigation_for(mdec_officer)]
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_post_without_the_csrf_token_is_refused(mdec_officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mdec_officer)
    assert client.post(PAGE, {"action": "rotate"}).status_code == 403
    assert not AuditEntry.objects.filter(action="peering.signing_key.rotated").exists()


def peers_with_traffic(count: int, start: int) -> None:
    for n in range(start, start + count):
        peer = remote_peer(f"p{n}.ewtp-hub.example", base_url="http://127.0.0.1:9").peer
        PeerKey.objects.create(peer=peer, key_id=f"p{n}#k2", public_key=a_public_key())
        peer.eroads.set(ERoad.objects.all())
        outbound(peer, age=timedelta(minutes=n))
        outbound(peer, status="refused", sequence=2, last_error="422 x")
        inbound(peer, status="waiting")
        inbound(peer, status="failed", sequence=3)
        refusal(peer)


def test_the_page_runs_as_many_queries_for_one_peer_as_for_five(officer, eroads):
    signing_key_current()

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            page_of(officer)
        return len(context)

    peers_with_traffic(1, 0)
    one = queries()
    peers_with_traffic(4, 1)
    assert queries() == one
