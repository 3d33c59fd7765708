"""What this deployment sends its peers: a message is recorded in the caller's transaction
(with the next sequence number of its stream) and delivered after commit; what a peer
cannot take now waits, and is retried with backoff, in order, until it can.

Answers, by the protocol's refusal codes (docs/eroad-protocol.md): a 2xx is delivered
(processed, waiting for an earlier message, or a duplicate: all the same to the sender); a
``key_unknown`` or ``clock_skew`` refusal, a 429 or 5xx, or no answer at all is the peer's
state, not the message's: it is retried; any other refusal is final and shown to the
officers of both sides."""

import json
import logging
from datetime import timedelta

import jsonschema
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError
from ewtp.common.outbound import OutboundRefused, post_json_answer

from ..errors import PeeringErrorCode
from ..handlers import TYPES
from ..keys import private_key_load
from ..models import OutboundMessage, Peer
from ..protocol import PATH, Envelope, signed_headers
from .peers import signing_key_current

logger = logging.getLogger(__name__)
BATCH = 100
# longer than a batch of deliveries can take (each is cut at twice PEERING_TIMEOUT_SECONDS)
DRAIN_LEASE = timedelta(seconds=BATCH * 2 * settings.PEERING_TIMEOUT_SECONDS + 60)
RETRYABLE_CODES = {"key_unknown", "clock_skew"}


def message_send(*, peer: Peer, type: str, stream: str, payload: dict) -> OutboundMessage:
    """Record a message for ``peer``; it goes out after the caller's commit."""
    if type not in TYPES:
        raise ApplicationError(
            _("No message type %(type)s.") % {"type": type}, PeeringErrorCode.TYPE_UNKNOWN
        )
    try:
        jsonschema.validate(payload, TYPES[type].schema)
    except jsonschema.ValidationError as error:
        raise ApplicationError(
            f"A {type} payload does not fit its schema: {error.message}"[:300],
            PeeringErrorCode.MESSAGE_INVALID,
        ) from None
    with transaction.atomic():
        # the peer's row orders the senders: each stream's numbers have no gap and no twin
        Peer.objects.select_for_update().filter(pk=peer.pk).exists()
        last = peer.outbox.filter(stream=stream).aggregate(last=Max("sequence"))["last"] or 0
        message = OutboundMessage.objects.create(
            peer=peer, type=type, stream=stream, sequence=last + 1, payload=payload
        )
        transaction.on_commit(lambda: _drain_soon(peer.pk))
    return message


def _drain_soon(peer_id: int) -> None:
    from ..tasks import outbound_drain_task

    outbound_drain_task.delay(peer_id)


def outbound_drain(*, peer_id: int) -> int:
    """Send the peer's waiting messages in order; stop at the first the peer cannot take
    now. One drain per peer at a time, claimed on the peer's row for a while (no
    transaction is held across the calls to the peer). Returns how many were delivered."""
    now = timezone.now()
    lease = now + DRAIN_LEASE
    claimed = (
        Peer.objects.filter(pk=peer_id, is_active=True)
        .filter(Q(draining_until__isnull=True) | Q(draining_until__lt=now))
        .update(draining_until=lease)
    )
    if not claimed:
        return 0  # another drain has it, or the peer is off
    delivered = 0
    try:
        peer = Peer.objects.get(pk=peer_id)
        pending = peer.outbox.filter(status=OutboundMessage.Status.PENDING).order_by("id")
        for message in pending[:BATCH]:
            if message.next_attempt_at and message.next_attempt_at > timezone.now():
                break  # backing off: later messages wait behind it, in order
            outcome = _deliver(peer, message)
            if outcome == "retry":
                break
            delivered += outcome == "delivered"
    finally:
        Peer.objects.filter(pk=peer_id, draining_until=lease).update(draining_until=None)
    return delivered


def _deliver(peer: Peer, message: OutboundMessage) -> str:
    key = signing_key_current()
    envelope = Envelope(
        id=message.message_id,
        type=message.type,
        sender=settings.PEERING_DEPLOYMENT,
        recipient=peer.deployment,
        stream=message.stream,
        sequence=message.sequence,
        sent_at=timezone.now(),
        payload=message.payload,
    )
    body = envelope.body()
    url = peer.base_url + PATH
    headers = signed_headers(
        url, body, key_id=key.key_id, private_key=private_key_load(key.private_key)
    )
    message.attempts += 1
    try:
        status, answer = post_json_answer(
            url, body, headers, timeout=settings.PEERING_TIMEOUT_SECONDS
        )
    except (OSError, OutboundRefused) as error:
        return _retry_later(message, f"no answer: {error}")
    code, detail = _problem(answer)
    if 200 <= status < 300:
        message.status = OutboundMessage.Status.DELIVERED
        message.delivered_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["status", "delivered_at", "last_error", "attempts"])
        return "delivered"
    if status == 429 or status >= 500 or code in RETRYABLE_CODES:
        return _retry_later(message, f"{status} {code}: {detail}")
    message.status = OutboundMessage.Status.REFUSED
    message.last_error = f"{status} {code}: {detail}"[:1000]
    message.save(update_fields=["status", "last_error", "attempts"])
    logger.warning("peering: %s refused %s: %s", peer.deployment, message, message.last_error)
    return "refused"


def _retry_later(message: OutboundMessage, why: str) -> str:
    wait = min(timedelta(seconds=2 ** min(message.attempts, 20)), settings.PEERING_RETRY_MAX)
    message.next_attempt_at = timezone.now() + wait
    message.last_error = why[:1000]
    message.save(update_fields=["attempts", "next_attempt_at", "last_error"])
    return "retry"


def _problem(answer: bytes) -> tuple[str, str]:
    try:
        body = json.loads(answer or b"{}")
    except ValueError:
        return "", answer[:200].decode(errors="replace")
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("code", "")), str(body.get("detail", ""))[:500]
