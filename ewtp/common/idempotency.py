"""Idempotency-Key for API POSTs (DESIGN.md, "Interfaces").

The same key with the same request replays the first response; the same key with another
request is refused (422); a duplicate that arrives while the first is still running gets 409.
Keys are scoped to the caller (OAuth client or user), so two partners never collide.

Exactly-once is a database fact: the key row is inserted under a unique constraint and
committed *before* the work starts, so a concurrent duplicate sees it and stops.
"""

import functools
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from rest_framework.response import Response

from .errors import ApplicationError, CommonErrorCode, ConflictError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(ApplicationError):
    status = 422


def idempotency_owner(request) -> str:
    """The caller a key belongs to: the OAuth client, else the signed-in user."""
    token = getattr(request, "auth", None)
    application_id = getattr(token, "application_id", None)
    if application_id:
        return f"client:{application_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous"


def request_fingerprint(request) -> str:
    """Hash of what makes two requests "the same": method, path and the parsed body."""
    try:
        body = json.dumps(request.data, sort_keys=True, default=str)
    except Exception:  # unparseable body: compare the raw bytes instead
        body = request.body.decode("utf-8", "replace")
    raw = f"{request.method}\n{request.get_full_path()}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _claim(owner: str, key: str, fingerprint: str) -> IdempotencyKey | None:
    """Insert the key as in flight; return the earlier row if there is one."""
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(owner=owner, key=key, request_fingerprint=fingerprint)
        return None
    except IntegrityError:
        return IdempotencyKey.objects.get(owner=owner, key=key)


def idempotent(view_method):
    """Decorator for a DRF view's ``post``: honour the Idempotency-Key header if sent.

    Only responses the client should see again are stored (2xx and 4xx other than 409/429);
    after a 5xx or an exception the key is released so the client can retry.
    """

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise ApplicationError(
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.",
                CommonErrorCode.IDEMPOTENCY_KEY_INVALID,
                extra={"field": HEADER},
            )
        owner, fingerprint = idempotency_owner(request), request_fingerprint(request)
        earlier = _claim(owner, key, fingerprint)
        if earlier is not None:
            return _replay(earlier, fingerprint)
        try:
            response = view_method(view, request, *args, **kwargs)
        except Exception:
            IdempotencyKey.objects.filter(owner=owner, key=key).delete()
            raise
        _store(owner, key, response)
        return response

    return wrapper


def _replay(earlier: IdempotencyKey, fingerprint: str) -> Response:
    if earlier.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            f"This {HEADER} was already used for a different request. Use a new key for a "
            "new request, or resend the original request unchanged.",
            CommonErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    if earlier.status == IdempotencyKey.Status.IN_FLIGHT:
        raise ConflictError(
            f"A request with this {HEADER} is still being processed. Retry shortly.",
            CommonErrorCode.IDEMPOTENCY_KEY_IN_FLIGHT,
        )
    return Response(
        earlier.response_body,
        status=earlier.response_status,
        headers={"Idempotent-Replayed": "true"},
    )


def _store(owner: str, key: str, response) -> None:
    keep = response.status_code < 500 and response.status_code not in (409, 429)
    rows = IdempotencyKey.objects.filter(owner=owner, key=key)
    if not keep:
        rows.delete()
        return
    rows.update(
        status=IdempotencyKey.Status.DONE,
        response_status=response.status_code,
        response_body=json.loads(json.dumps(response.data, default=str)),
    )


def idempotency_keys_expire(*, now) -> int:
    """Forget keys older than IDEMPOTENCY_KEY_TTL; returns how many were removed."""
    deleted, _ = IdempotencyKey.objects.filter(
        created_at__lt=now - settings.IDEMPOTENCY_KEY_TTL
    ).delete()
    return deleted
