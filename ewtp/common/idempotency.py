"""Idempotency-Key for API POSTs (DESIGN.md, "Interfaces"; after pretix's middleware).

The same key with the same request replays the first response; the same key with another
request is refused (422); a duplicate that arrives while the first is still running gets
409. Keys are scoped to the authenticated caller, so two partners never collide.

How "exactly once" holds: the key row is inserted (committed) first; then the request runs
inside one transaction that holds a row lock on the key and stores the response in the same
transaction. A concurrent duplicate cannot take the lock (409). A process killed halfway
rolls back its work together with the lock, so a retry takes the key over and runs it
again — it never finds half-done work, and never runs twice what was committed.
"""

import functools
import hashlib
import json

from django.conf import settings
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse
from rest_framework.response import Response

from .bulk import insert_unless_taken
from .errors import ApplicationError, CommonErrorCode, ConflictError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location",)


class IdempotencyKeyReused(ApplicationError):
    status = 422


def idempotency_owner(request) -> str | None:
    """The caller a key belongs to: the OAuth client, else the signed-in user."""
    token = getattr(request, "auth", None)
    application_id = getattr(token, "application_id", None)
    if application_id:
        return f"client:{application_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def request_fingerprint(request) -> str:
    """Hash of what makes two requests "the same": method, path and the parsed body."""
    try:
        body = json.dumps(request.data, sort_keys=True, default=str)
    except Exception:  # unparseable body: compare the raw bytes instead
        body = request.body.decode("utf-8", "replace")
    raw = f"{request.method}\n{request.get_full_path()}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _insert_if_absent(owner: str, key: str, fingerprint: str) -> None:
    # one statement, committed by itself (a transaction around an INSERT that might fail
    # took three round trips); a key an earlier request holds is compared under the lock
    # that follows
    insert_unless_taken(IdempotencyKey(owner=owner, key=key, request_fingerprint=fingerprint))


def _lock(owner: str, key: str):
    for _attempt in range(3):
        try:
            row = (
                IdempotencyKey.objects.select_for_update(nowait=True)
                .filter(owner=owner, key=key)
                .first()
            )
        except OperationalError:  # PostgreSQL: the first request still holds the lock
            raise ConflictError(
                f"A request with this {HEADER} is still being processed. Retry shortly.",
                CommonErrorCode.IDEMPOTENCY_KEY_IN_FLIGHT,
            ) from None
        if row is not None:
            return row
        _insert_if_absent(owner, key, "")  # expired and swept between the two steps
    raise ConflictError(
        "The key could not be claimed; retry.", CommonErrorCode.IDEMPOTENCY_KEY_IN_FLIGHT
    )


def idempotent(view_method):
    """Decorator for a DRF view's ``post``: honour the Idempotency-Key header if sent.

    Refusals (4xx) are stored and replayed like successes; after a 5xx or an unexpected
    exception nothing is stored and the work is rolled back, so the client can retry.
    """

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        owner = idempotency_owner(request)
        if not key.strip() or len(key) > MAX_KEY_LENGTH or owner is None:
            raise ApplicationError(
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters, from an authenticated caller.",
                CommonErrorCode.IDEMPOTENCY_KEY_INVALID,
                extra={"field": HEADER},
            )
        fingerprint = request_fingerprint(request)
        _insert_if_absent(owner, key, fingerprint)
        with transaction.atomic():
            row = _lock(owner, key)
            if row.request_fingerprint and row.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    f"This {HEADER} was already used for a different request. Use a new key for "
                    "a new request, or resend the original request unchanged.",
                    CommonErrorCode.IDEMPOTENCY_KEY_REUSED,
                )
            if row.status == IdempotencyKey.Status.DONE:
                return _replay(row)
            response = _run(view, view_method, request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            # Rendered here, so that the bytes stored are the bytes sent: a rendered response
            # is left as it is by DRF and by Django's handler.
            response = view.finalize_response(request, response, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
            _store(row, fingerprint, response)
        return response

    wrapper.honours_idempotency_key = True  # the schema documents the header (api.schema)
    return wrapper


def _run(view, view_method, request, *args, **kwargs):
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves nothing half-written
            return view_method(view, request, *args, **kwargs)
    except Exception as exc:
        response = view.handle_exception(exc)  # DRF re-raises what it does not handle
        return response


def _store(row: IdempotencyKey, fingerprint: str, response) -> None:
    """Keep the response as sent: its status, its bytes, its content type and Location."""
    row.request_fingerprint = fingerprint
    row.status = IdempotencyKey.Status.DONE
    row.response_status = response.status_code
    row.response_content = response.content
    row.response_body = {
        "content_type": response["Content-Type"],
        "headers": {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)},
    }
    row.save(
        update_fields=[
            "request_fingerprint",
            "status",
            "response_status",
            "response_content",
            "response_body",
        ]
    )


def _replay(row: IdempotencyKey) -> HttpResponse | Response:
    """The first response again, byte for byte, marked as a replay."""
    stored = row.response_body or {}
    if row.response_content is None:
        return _replay_data(row, stored)
    response = HttpResponse(
        bytes(row.response_content),
        status=row.response_status,
        content_type=stored["content_type"],
        headers=stored.get("headers", {}),
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _replay_data(row: IdempotencyKey, stored: dict) -> Response:
    """A key stored before responses were kept as bytes: render its data again."""
    response = Response(
        stored.get("data"),
        status=row.response_status,
        headers={**stored.get("headers", {}), "Idempotent-Replayed": "true"},
    )
    if stored.get("content_type", "").startswith("application/problem+json"):
        response.content_type = stored["content_type"]
    return response


def idempotency_keys_expire(*, now) -> int:
    """Forget keys older than IDEMPOTENCY_KEY_TTL; returns how many were removed."""
    deleted, _ = IdempotencyKey.objects.filter(
        created_at__lt=now - settings.IDEMPOTENCY_KEY_TTL
    ).delete()
    return deleted
