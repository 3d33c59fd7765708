"""A peer deployment as a test needs one: its keys (a private one to sign as it), registered
with ours, and its requests built exactly as a peer builds them."""

import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.utils import timezone

from peering.keys import b64url
from peering.models import Peer, PeerKey
from peering.protocol import PATH, Envelope, signed_headers


@dataclass
class RemotePeer:
    peer: Peer
    key_id: str
    private_key: Ed25519PrivateKey

    def envelope(
        self, *, type="eroad.ping", stream="ping", sequence=1, payload=None, to=None, id=None
    ):
        return Envelope(
            id=id or uuid.uuid4(),
            type=type,
            sender=self.peer.deployment,
            recipient=to or settings.PEERING_DEPLOYMENT,
            stream=stream,
            sequence=sequence,
            sent_at=timezone.now(),
            payload={"note": "hello"} if payload is None else payload,
        )

    def request(self, envelope: Envelope, *, key_id=None, private_key=None) -> tuple[bytes, dict]:
        body = envelope.body()
        headers = signed_headers(
            "http://testserver" + PATH,
            body,
            key_id=key_id or self.key_id,
            private_key=private_key or self.private_key,
        )
        return body, headers

    def new_key(self, key_id: str) -> tuple[str, Ed25519PrivateKey]:
        private = Ed25519PrivateKey.generate()
        PeerKey.objects.create(peer=self.peer, key_id=key_id, public_key=public_of(private))
        return key_id, private


def public_of(private: Ed25519PrivateKey) -> str:
    return b64url(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def remote_peer(deployment="hgh.ewtp-hub.example", base_url="http://127.0.0.1:9") -> RemotePeer:
    peer = Peer.objects.create(name="Hangzhou hub", deployment=deployment, base_url=base_url)
    private = Ed25519PrivateKey.generate()
    key_id = f"{deployment}#k1"
    PeerKey.objects.create(peer=peer, key_id=key_id, public_key=public_of(private))
    return RemotePeer(peer, key_id, private)


def post(client, body: bytes, headers: dict):
    """POST as the peer's HTTP client would: the signed headers as they are."""
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    extra.pop("HTTP_CONTENT_TYPE", None)
    return client.post(PATH, data=body, content_type=headers["Content-Type"], **extra)
