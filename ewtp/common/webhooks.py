"""Signed webhooks to partners (banks, sales channels).

Each delivery is a JSON body ``{"id", "type", "created", "data"}`` POSTed with the header
``Ewtp-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's
secret>``. Receivers recompute the HMAC over the raw body, compare in constant time, and
reject a timestamp older than five minutes (``webhook_signature_verify`` is the reference).
A delivery is retried with exponential backoff by a beat sweep until the receiver answers 2xx
or WEBHOOK_MAX_ATTEMPTS is reached; every attempt is in the delivery log. Every request goes
through the outbound guard (ewtp.common.outbound): https, public addresses only, checked at
connect time, no redirects. Endpoints are managed in ewtp.common.webhook_endpoints.
"""

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .models import ApiClient, WebhookDelivery, WebhookEndpoint
from .outbound import post_json

logger = logging.getLogger(__name__)
HEADER = "Ewtp-Signature"
TOLERANCE_SECONDS = 300
EVENTS = {
    "payment.confirmed": "An order is paid in full; its money is held in escrow.",
    "escrow.released": "An order's escrow was paid to the seller.",
    "refund.issued": "Money was returned to the payer's bank.",
    "payout_batch.ready": "A payout batch is ready to download (banks).",
    "parcel.tracking": "A parcel of one of your orders has a new tracking event (channels).",
    "declaration.status": "A customs declaration of yours or of your orders changed status.",
    "order.milestone": "An order of yours reached a milestone: paid, cleared, departed, "
    "arrived, delivered or refunded (channels).",
    "credit_application.received": "An SME applied for credit and chose you to see it "
    "(banks): read it under /api/v1/credit/applications/.",
}
# Sent to one endpoint on its owner's request, whatever events it hears.
TEST_EVENT = "webhook.test"


def webhook_sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_signature_verify(
    secret: str, header: str, body: bytes, *, now: float | None = None
) -> bool:
    """What a receiver does: parse the header, recompute, compare, and refuse stale messages."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(
        webhook_sign(secret, body, timestamp), f"t={timestamp},v1={parts.get('v1', '')}"
    )


def webhook_emit(*, api_client: ApiClient, event: str, data: dict) -> list[WebhookDelivery]:
    """Queue ``event`` for every active endpoint of the client that listens to it; sent after
    commit (never inside the transaction that caused it)."""
    payload = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    deliveries = [
        WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, payload=payload, next_attempt_at=timezone.now()
        )
        for endpoint in _listening(api_client.webhook_endpoints)
        if event in endpoint.events
    ]
    enqueue_after_commit([delivery.pk for delivery in deliveries])
    return deliveries


def webhook_emit_batch(*, api_client: ApiClient, event: str, payloads: list[dict]) -> int:
    """The same event about many things (a flight's parcels) to one client: its endpoints are
    read once and the deliveries written in one insert. Returns how many were queued."""
    endpoints = [
        endpoint
        for endpoint in _listening(api_client.webhook_endpoints)
        if event in endpoint.events
    ]
    if not endpoints or not payloads:
        return 0
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event=event,
                payload=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
                next_attempt_at=now,
            )
            for endpoint in endpoints
            for data in payloads
        ]
    )
    ids = [delivery.pk for delivery in deliveries]
    if ids[0] is None:  # a database that does not return keys from a bulk insert
        ids = []
    enqueue_after_commit(ids)
    return len(deliveries)


def webhook_emit_to(*, clients: QuerySet, event: str, data: dict) -> int:
    """``event`` to every endpoint of the given clients that listens to it, the endpoints
    read in one query; sent after commit. Returns how many deliveries were queued."""
    endpoints = [
        endpoint
        for endpoint in _listening(WebhookEndpoint.objects.filter(api_client__in=clients))
        if event in endpoint.events
    ]
    if not endpoints:
        return 0
    payload = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    deliveries = [
        WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, payload=payload, next_attempt_at=timezone.now()
        )
        for endpoint in endpoints
    ]
    enqueue_after_commit([delivery.pk for delivery in deliveries])
    return len(endpoints)


def webhook_listeners_by(*, event: str, lookup: str, keys: set) -> dict:
    """The endpoints listening to ``event`` of the clients found by ``lookup`` (a path from
    the endpoint, e.g. ``api_client__orders__pk``) for each of ``keys``, in one query:
    key → set of endpoint ids. For a batch whose members each go to their own clients."""
    found: dict = {}
    if not keys:
        return found
    rows = _listening(WebhookEndpoint.objects.filter(**{f"{lookup}__in": keys})).values_list(
        "pk", "events", lookup
    )
    for pk, events, key in rows:
        if event in events:
            found.setdefault(key, set()).add(pk)
    return found


def webhook_emit_each(*, event: str, messages: list[tuple[set[int], dict]]) -> int:
    """``event`` about many things, each (endpoint ids, data) to its own endpoints, in one
    insert; sent after commit. Returns how many deliveries were queued."""
    now = timezone.now()
    rows = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event=event,
            payload=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
            next_attempt_at=now,
        )
        for endpoint_ids, data in messages
        for endpoint_id in sorted(endpoint_ids)
    ]
    if not rows:
        return 0
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    ids = [delivery.pk for delivery in deliveries if delivery.pk is not None]
    enqueue_after_commit(ids)
    return len(deliveries)


def _listening(endpoints: QuerySet) -> QuerySet:
    """Endpoints that get events: enabled, of a client not revoked (a key revoked for a
    leak must not keep feeding an endpoint registered with it)."""
    return endpoints.filter(is_active=True, api_client__is_active=True)


def enqueue_after_commit(delivery_ids: list[int]) -> None:
    """Hand the deliveries to the worker once the transaction that queued them commits."""
    for pk in delivery_ids:
        transaction.on_commit(lambda pk=pk: _enqueue(pk))


def _enqueue(delivery_id: int) -> None:
    from .tasks import webhook_deliver_task

    try:
        webhook_deliver_task.delay(delivery_id)
    except Exception:  # the sweep sends it later
        logger.warning("webhooks: could not enqueue delivery %s", delivery_id)


def _post(url: str, body: bytes, headers: dict) -> int:
    return post_json(url, body, headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)


def webhook_deliver(*, delivery_id: int, transport=None) -> WebhookDelivery:
    """One attempt. Claimed by a conditional UPDATE (two workers never send it at once)."""
    now = timezone.now()
    # The lease outlasts the whole request (connect, send, read each bounded by the timeout).
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 4)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=lease, attempts=F("attempts") + 1)
    delivery = WebhookDelivery.objects.select_related("endpoint__api_client").get(pk=delivery_id)
    if not claimed:
        return delivery
    endpoint = delivery.endpoint
    if not (endpoint.is_active and endpoint.api_client.is_active):
        return _record(delivery, None, "The endpoint or its API client was switched off.", lease)
    body = json.dumps(
        {
            "id": str(delivery.event_id),
            "type": delivery.event,
            "created": int(delivery.created_at.timestamp()),
            "data": delivery.payload,
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "eWTP-Hub-Webhooks/1",
        HEADER: webhook_sign(delivery.endpoint.secret, body, int(time.time())),
    }
    try:
        status = (transport or _post)(delivery.endpoint.url, body, headers)
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except Exception as exc:  # network errors, timeouts, refusals: all retried
        status, error = None, f"{type(exc).__name__}: {exc}"[:300]
    return _record(delivery, status, error, lease)


def _record(delivery: WebhookDelivery, status: int | None, error: str, lease) -> WebhookDelivery:
    """Write the outcome only if this attempt still holds its claim: a slow attempt whose
    lease ran out (and was retried by another) must not overwrite the newer outcome."""
    delivery.last_status_code, delivery.last_error = status, error
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            WebhookDelivery.Status.DELIVERED,
            timezone.now(),
            None,
        )
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
        logger.error(
            "webhooks: delivery %s to %s failed after %s attempts",
            delivery.pk,
            delivery.endpoint.public_id,  # not the URL: it may carry the partner's token
            delivery.attempts,
        )
    else:
        backoff = timedelta(seconds=30 * 2 ** (delivery.attempts - 1))
        delivery.next_attempt_at = timezone.now() + min(backoff, timedelta(hours=6))
    WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING, next_attempt_at=lease
    ).update(
        status=delivery.status,
        delivered_at=delivery.delivered_at,
        next_attempt_at=delivery.next_attempt_at,
        last_status_code=status,
        last_error=error,
    )
    delivery.refresh_from_db()
    return delivery


def webhook_due_ids(*, limit: int = 200) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
