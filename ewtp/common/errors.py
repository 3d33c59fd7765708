"""One error vocabulary for every app.

A service raises ``ApplicationError`` (or a subclass) with a stable machine-readable code
from its app's ``errors.py`` Enum; the API maps it to problem+json, the portal to a form or
page message. The HTTP status says what kind of refusal it is.
"""

from enum import Enum, StrEnum


class ApplicationError(Exception):
    """A refusal the caller can understand and act on (never a bug)."""

    status = 400

    def __init__(self, message: str, code: str | Enum = "invalid", *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code.value if isinstance(code, Enum) else code
        self.extra = extra or {}


class NotAllowedError(ApplicationError):
    """The caller may not do this (403)."""

    status = 403


class NotFoundError(ApplicationError):
    """What the caller asked for does not exist for it (404)."""

    status = 404


class ConflictError(ApplicationError):
    """The object is not in a state that allows this, e.g. an illegal transition (409)."""

    status = 409


class CommonErrorCode(StrEnum):
    # a value that does not fit its field or parameter (DRF's own default code, which API
    # clients already read); the message and the field say what is wrong
    INVALID = "invalid"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_FLIGHT = "idempotency_key_in_flight"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
    # a rate limit was reached (ewtp.common.throttles); Retry-After says when to come back
    THROTTLED = "throttled"
    # requests refused before any view reads them (ewtp.common.middleware)
    REQUEST_TOO_LARGE = "too_large"
    JSON_TOO_DEEP = "json_too_deep"
    JSON_NOT_UTF8 = "json_not_utf8"
    # input rules of every app (ewtp.common.money, ewtp.common.validators)
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    NAME_HAS_BIDI_CONTROLS = "bidi_controls"
    # API client registration (ewtp.common.api_clients)
    SCOPE_UNKNOWN = "scope_unknown"
    CLIENT_KIND_UNKNOWN = "kind_unknown"
    CLIENT_NAME_REQUIRED = "name_required"
    # today's conversion would take a reference rate older than FX_MAX_RATE_AGE_DAYS
    # (ewtp.common.rate_age): payments and customs both refuse it
    FX_RATE_STALE = "fx_rate_stale"

    EVENT_UNKNOWN = "event_unknown"
    WEBHOOK_EVENTS = "webhook_events"
    WEBHOOK_URL_INVALID = "webhook_url_invalid"
    WEBHOOK_URL_FORBIDDEN = "webhook_url_forbidden"
    WEBHOOK_URL_UNRESOLVED = "webhook_url_unresolved"
    WEBHOOK_URL_REGISTERED = "webhook_url_registered"
    WEBHOOK_ENDPOINTS_LIMIT = "webhook_endpoints_limit"
    WEBHOOK_ENDPOINT_NOT_FOUND = "webhook_endpoint_not_found"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"
