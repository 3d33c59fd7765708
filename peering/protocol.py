"""The wire form of the e-road (docs/eroad-protocol.md, version 1): a JSON envelope POSTed to
the peer's ``/api/v1/eroad/messages``, signed with HTTP Message Signatures (RFC 9421, by the
http-message-signatures library) over the method, the path, the content type and the body's
Content-Digest (RFC 9530), Ed25519, with a creation time and a nonce.

The envelope names the sending and the receiving deployment, so a message signed for one
peer is worth nothing at another; the path rather than the full target URI is signed, so a
TLS-terminating proxy in front of the receiver does not break the signature."""

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from requests.structures import CaseInsensitiveDict

VERSION = 1
PATH = "/api/v1/eroad/messages"
TAG = "ewtp-eroad"
LABEL = "eroad"
COVERED = ("@method", "@path", "content-type", "content-digest")
CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Envelope:
    id: uuid.UUID
    type: str
    sender: str
    recipient: str
    stream: str
    sequence: int
    sent_at: datetime
    payload: dict

    def body(self) -> bytes:
        return json.dumps(
            {
                "id": str(self.id),
                "type": self.type,
                "version": VERSION,
                "from": self.sender,
                "to": self.recipient,
                "stream": self.stream,
                "sequence": self.sequence,
                "sent_at": self.sent_at.isoformat(),
                "payload": self.payload,
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode()


class _Message:
    """What the signature library reads of a request: its method, URL and headers."""

    def __init__(self, method: str, url: str, headers):
        self.method = method
        self.url = url
        self.headers = CaseInsensitiveDict(headers)


class _OwnKey(HTTPSignatureKeyResolver):
    def __init__(self, key_id: str, private_key):
        self.key_id, self.private_key = key_id, private_key

    def resolve_private_key(self, key_id: str):
        return self.private_key

    def resolve_public_key(self, key_id: str):  # pragma: no cover - never verifies
        return None


def signed_headers(url: str, body: bytes, *, key_id: str, private_key) -> dict:
    """The headers of a POST of ``body`` to ``url``: content type, digest and signature."""
    message = _Message("POST", url, {"Content-Type": CONTENT_TYPE})
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519, key_resolver=_OwnKey(key_id, private_key)
    )
    signer.sign(
        message,
        key_id=key_id,
        nonce=secrets.token_urlsafe(16),
        label=LABEL,
        tag=TAG,
        covered_component_ids=COVERED[:-1],
        body=body,
    )
    return dict(message.headers)


class VerifyError(Exception):
    """Why a request's signature does not hold: ``code`` is a PeeringErrorCode value."""

    def __init__(self, code: str, detail: str, key_id: str = ""):
        super().__init__(detail)
        self.code, self.detail, self.key_id = code, detail, key_id


@dataclass(frozen=True)
class Verified:
    key_id: str
    nonce: str
    created: int


class _PeerKeys(HTTPSignatureKeyResolver):
    def __init__(self, lookup):
        self.lookup, self.asked = lookup, ""

    def resolve_public_key(self, key_id: str):
        self.asked = key_id
        return self.lookup(key_id)

    def resolve_private_key(self, key_id: str):  # pragma: no cover - never signs
        raise NotImplementedError


class _Verifier(HTTPMessageVerifier):
    # the window a signature's creation time must fall in: now ± PEERING_MAX_SKEW (the
    # library adds this tolerance on both sides; its max_age is then 0)
    max_clock_skew = settings.PEERING_MAX_SKEW


def verify(method: str, url: str, headers, body: bytes, *, public_key_of) -> Verified:
    """Check a received request's signature; ``public_key_of(key_id)`` is the peer's key in
    force or None. Raises VerifyError with the refusal's code."""
    if "signature" not in headers or "signature-input" not in headers:
        raise VerifyError("signature_missing", "The request is not signed.")
    keys = _PeerKeys(public_key_of)
    verifier = _Verifier(signature_algorithm=algorithms.ED25519, key_resolver=keys)
    try:
        (result,) = verifier.verify(
            _Message(method, url, headers),
            max_age=timedelta(0),
            expect_tag=TAG,
            require_components=COVERED,
            body=body,
        )
    except InvalidSignature as error:
        text = str(error)
        if "Unable to resolve verification key" in text:
            raise VerifyError(
                "key_unknown", "The signing key is not one of the peer's.", keys.asked
            ) from None
        if "future" in text or "maximum allowable age" in text:
            raise VerifyError(
                "clock_skew", "The signature's time is outside the allowed skew.", keys.asked
            ) from None
        raise VerifyError(
            "signature_invalid", f"The signature does not hold: {text}"[:300], keys.asked
        ) from None
    except ValueError as error:
        raise VerifyError(
            "signature_invalid", f"The signature does not hold: {error}"[:300]
        ) from None
    if not result.nonce:
        raise VerifyError("signature_invalid", "The signature carries no nonce.", keys.asked)
    return Verified(
        key_id=result.parameters["keyid"],
        nonce=result.nonce,
        created=int(result.parameters["created"]),
    )
