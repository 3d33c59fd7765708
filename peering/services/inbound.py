"""What a peer sends this deployment: checked, stored as received once, and processed in
the order of its stream.

A request is refused, logged (InboundRefusal) and changes nothing when it is unsigned, not
signed by a key in force of the peer it names, tampered with (the signature or the body's
digest does not hold), replayed (a signature's nonce seen before), outside the clock skew,
addressed to another deployment, of an unknown type, or malformed. A message whose id was
received before is a duplicate: answered as such, with no effect (a sender's retry). A
message that comes before an earlier one of its stream waits, and is processed when the
gap closes."""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import jsonschema
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ewtp.common.errors import ApplicationError

from ..errors import PeeringErrorCode, TryLater
from ..handlers import TYPES
from ..keys import public_key_load
from ..models import InboundMessage, InboundRefusal, NonceSeen, Peer, StreamCursor
from ..protocol import VERSION, VerifyError, verify

# the HTTP status of each refusal
STATUS = {
    PeeringErrorCode.SIGNATURE_MISSING: 401,
    PeeringErrorCode.SIGNATURE_INVALID: 401,
    PeeringErrorCode.KEY_UNKNOWN: 401,
    PeeringErrorCode.CLOCK_SKEW: 401,
    PeeringErrorCode.PEER_UNKNOWN: 401,
    PeeringErrorCode.REPLAYED: 409,
    PeeringErrorCode.MESSAGE_CONFLICT: 409,
    PeeringErrorCode.NOT_FOR_US: 421,
    PeeringErrorCode.MESSAGE_INVALID: 400,
    PeeringErrorCode.TYPE_UNKNOWN: 400,
    PeeringErrorCode.MESSAGE_FAILED: 409,
    PeeringErrorCode.TRY_LATER: 503,
}


class Refused(Exception):
    def __init__(self, code: PeeringErrorCode, detail: str, *, peer=None, key_id="", message_id=""):
        super().__init__(detail)
        self.code, self.detail = code, detail
        self.peer, self.key_id, self.message_id = peer, key_id, message_id

    @property
    def status(self) -> int:
        return STATUS[self.code]


@dataclass(frozen=True)
class Received:
    status: str  # processed, waiting, duplicate; or failed: its handler refused it
    message_id: str
    detail: str = ""


def message_receive(
    *, method: str, url: str, headers, body: bytes, remote_addr: str | None
) -> Received:
    """Raises Refused (already logged) for a request that is not taken."""
    try:
        return _receive(method, url, headers, body)
    except Refused as refused:
        InboundRefusal.objects.create(
            peer=refused.peer,
            key_id=refused.key_id[:64],
            message_id=str(refused.message_id)[:64],
            code=refused.code,
            detail=refused.detail[:300],
            remote_addr=remote_addr,
        )
        raise


def _receive(method, url, headers, body) -> Received:
    envelope = _parsed(body)
    peer = Peer.objects.filter(deployment=str(envelope.get("from", "")), is_active=True).first()
    message_id = str(envelope.get("id", ""))[:64]
    if peer is None:
        raise Refused(
            PeeringErrorCode.PEER_UNKNOWN, "No peer deployment of that id.", message_id=message_id
        )
    try:
        verified = verify(method, url, headers, body, public_key_of=_keys_of(peer))
    except VerifyError as error:
        raise Refused(
            PeeringErrorCode(error.code),
            error.detail,
            peer=peer,
            key_id=error.key_id,
            message_id=message_id,
        ) from None
    context = {"peer": peer, "key_id": verified.key_id, "message_id": message_id}
    message = _checked(envelope, **context)
    with transaction.atomic():
        try:
            with transaction.atomic():
                NonceSeen.objects.create(key_id=verified.key_id, nonce=verified.nonce[:64])
        except IntegrityError:
            raise Refused(
                PeeringErrorCode.REPLAYED, "This signed request was received before.", **context
            ) from None
        Peer.objects.filter(pk=peer.pk).update(last_heard_at=timezone.now())
        try:
            return _store_and_process(
                peer, message, headers.get("content-digest", ""), verified.key_id, context
            )
        except TryLater as later:
            # nothing of it is kept: the sender delivers it again, in order, later
            raise Refused(PeeringErrorCode.TRY_LATER, str(later)[:300], **context) from None


def _parsed(body: bytes) -> dict:
    if len(body) > settings.PEERING_MAX_BODY_BYTES:
        raise Refused(PeeringErrorCode.MESSAGE_INVALID, "The message is too large.")
    try:
        envelope = json.loads(body)
    except ValueError:
        raise Refused(PeeringErrorCode.MESSAGE_INVALID, "The body is not JSON.") from None
    if not isinstance(envelope, dict):
        raise Refused(PeeringErrorCode.MESSAGE_INVALID, "The body is a JSON object.")
    return envelope


def _keys_of(peer: Peer):
    def public_key_of(key_id: str):
        key = peer.keys.filter(key_id=key_id, retired_at__isnull=True).first()
        return public_key_load(key.public_key) if key is not None else None

    return public_key_of


@dataclass(frozen=True)
class _Message:
    id: uuid.UUID
    type: str
    stream: str
    sequence: int
    sent_at: datetime
    payload: dict


def _checked(envelope: dict, **context) -> _Message:
    def invalid(detail):
        return Refused(PeeringErrorCode.MESSAGE_INVALID, detail, **context)

    if envelope.get("version") != VERSION:
        raise invalid(f"This hub speaks version {VERSION} of the protocol.")
    if envelope.get("to") != settings.PEERING_DEPLOYMENT:
        raise Refused(
            PeeringErrorCode.NOT_FOR_US,
            "The message is addressed to another deployment.",
            **context,
        )
    try:
        message_id = uuid.UUID(str(envelope.get("id")))
        sent_at = datetime.fromisoformat(str(envelope.get("sent_at")))
    except ValueError:
        raise invalid("id is a UUID and sent_at an ISO 8601 time.") from None
    stream, sequence = envelope.get("stream"), envelope.get("sequence")
    if not isinstance(stream, str) or not 1 <= len(stream) <= 80:
        raise invalid("stream is a text of 1 to 80 characters.")
    if type(sequence) is not int or not 1 <= sequence <= 2**31 - 1:
        raise invalid("sequence is a whole number from 1.")
    kind = TYPES.get(envelope.get("type"))
    if kind is None:
        raise Refused(
            PeeringErrorCode.TYPE_UNKNOWN, "This hub does not take that message type.", **context
        )
    payload = envelope.get("payload")
    try:
        jsonschema.validate(payload, kind.schema)
    except jsonschema.ValidationError as error:
        raise invalid(f"payload: {error.message}"[:300]) from None
    if kind.stream_for is not None and stream != kind.stream_for(payload):
        # an order's messages are ordered on its own stream, not another's
        raise invalid(f"A {kind.name} travels on the stream {kind.stream_for(payload)}.")
    return _Message(message_id, kind.name, stream, sequence, sent_at, payload)


def _store_and_process(peer, message: _Message, digest: str, key_id: str, context) -> Received:
    cursor, _created = StreamCursor.objects.get_or_create(peer=peer, stream=message.stream)
    cursor = StreamCursor.objects.select_for_update().get(pk=cursor.pk)
    known = InboundMessage.objects.filter(peer=peer, message_id=message.id).first()
    if known is not None:
        # a sender's retry is signed and dated anew: what it says must be the same
        if (known.type, known.stream, known.sequence, known.payload) != (
            message.type,
            message.stream,
            message.sequence,
            message.payload,
        ):
            raise Refused(
                PeeringErrorCode.MESSAGE_CONFLICT,
                "This message id came before with other content.",
                **context,
            )
        return Received("duplicate", str(message.id))
    if (
        message.sequence <= cursor.processed_through
        or InboundMessage.objects.filter(
            peer=peer, stream=message.stream, sequence=message.sequence
        ).exists()
    ):
        raise Refused(
            PeeringErrorCode.MESSAGE_CONFLICT,
            "Another message holds this sequence number of the stream.",
            **context,
        )
    stored = InboundMessage.objects.create(
        peer=peer,
        message_id=message.id,
        type=message.type,
        stream=message.stream,
        sequence=message.sequence,
        payload=message.payload,
        digest=digest[:100],
        key_id=key_id,
        sent_at=message.sent_at,
    )
    _process_in_order(peer, cursor)
    stored.refresh_from_db()
    return Received(stored.status, str(message.id), stored.error)


def _process_in_order(peer, cursor: StreamCursor) -> None:
    """Process the stream's waiting messages from the cursor on, as far as there is no gap.
    A message its handler refuses is kept as failed, and the stream goes on after it."""
    waiting = {
        m.sequence: m
        for m in InboundMessage.objects.filter(
            peer=peer, stream=cursor.stream, status=InboundMessage.Status.WAITING
        )
    }
    while (message := waiting.get(cursor.processed_through + 1)) is not None:
        try:
            with transaction.atomic():
                TYPES[message.type].handle(peer, message.payload)
                message.status = InboundMessage.Status.PROCESSED
        except ApplicationError as error:
            message.status, message.error = InboundMessage.Status.FAILED, error.message
        message.processed_at = timezone.now()
        message.save(update_fields=["status", "error", "processed_at"])
        cursor.processed_through += 1
    cursor.save(update_fields=["processed_through"])
