"""Where a partner receives webhooks: registering, changing, disabling, deleting and
re-keying its endpoints, a test event on demand, and the reads of its delivery log.

An endpoint's URL is checked by the outbound guard when it is registered or changed (and
again at every delivery, ewtp.common.outbound), so a partner can never point the hub's
workers at the hub's own network. A client has at most ``WEBHOOK_MAX_ENDPOINTS`` endpoints
and each URL once: one event is one POST per endpoint, and a partner that registers the same
receiver a hundred times must not turn one event into a hundred requests.
"""

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record, client_actor_label
from .errors import ApplicationError, CommonErrorCode, ConflictError, NotFoundError
from .models import ApiClient, WebhookDelivery, WebhookEndpoint
from .outbound import target_check, url_split
from .webhooks import EVENTS, TEST_EVENT, enqueue_after_commit

SECRET_BYTES = 32  # 64 hex characters


def webhook_url_normalise(url: str) -> str:
    """The URL as stored and compared: scheme and host in lower case, the default port
    dropped, so that "HTTPS://Shop.example:443/h" and "https://shop.example/h" are one."""
    scheme, host, port, path = url_split(url.strip())
    default = 443 if scheme == "https" else 80
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc.lower()}{'' if port == default else f':{port}'}{path}"


def _events_check(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        raise ApplicationError(
            _("Choose events among: %(events)s.") % {"events": ", ".join(EVENTS)},
            CommonErrorCode.WEBHOOK_EVENTS,
            extra={"field": "events"},
        )
    return sorted(set(events))


def _url_registered(api_client: ApiClient, url: str, exclude: int | None = None):
    existing = api_client.webhook_endpoints.filter(url=url).exclude(pk=exclude).first()
    if existing is not None:
        raise ConflictError(
            _("This URL is already registered: change that endpoint's events instead."),
            CommonErrorCode.WEBHOOK_URL_REGISTERED,
            extra={"field": "url", "endpoint": str(existing.public_id)},
        )


def webhook_endpoint_create(
    *, api_client: ApiClient, url: str, events: list[str], actor=None
) -> WebhookEndpoint:
    """Register an endpoint. Refused: unknown events, a URL that is not https or reaches a
    non-public address, a URL the client registered already (409), more than
    WEBHOOK_MAX_ENDPOINTS endpoints (409)."""
    events = _events_check(events)
    url = webhook_url_normalise(url)
    target_check(url)  # resolves the host: outside any transaction
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=api_client.pk)
        _url_registered(client, url)
        if client.webhook_endpoints.count() >= settings.WEBHOOK_MAX_ENDPOINTS:
            raise ConflictError(
                _("A client has at most %(limit)s webhook endpoints: delete one first.")
                % {"limit": settings.WEBHOOK_MAX_ENDPOINTS},
                CommonErrorCode.WEBHOOK_ENDPOINTS_LIMIT,
            )
        try:
            with transaction.atomic():
                endpoint = WebhookEndpoint.objects.create(
                    api_client=client, url=url, events=events, secret=_new_secret()
                )
        except IntegrityError:  # the same URL registered by a concurrent request
            _url_registered(client, url)
            raise
        audit_record(
            actor=actor,
            actor_label=client_actor_label(client),
            action="common.webhook_endpoint.created",
            target=endpoint,
            data={"url": url, "events": events},
        )
    return endpoint


def _new_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


def webhook_endpoint_get(*, api_client: ApiClient, public_id) -> WebhookEndpoint:
    """One of the client's endpoints; another client's is as absent as a made-up id."""
    endpoint = api_client.webhook_endpoints.filter(public_id=public_id).first()
    if endpoint is None:
        raise NotFoundError(
            _("No such webhook endpoint."), CommonErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND
        )
    return endpoint


def _locked(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
    actor=None,
) -> WebhookEndpoint:
    """Change where an endpoint is, what it hears, or disable/enable it. A disabled
    endpoint is sent nothing; what was already queued for it is cancelled."""
    if url is not None:
        url = webhook_url_normalise(url)
        target_check(url)
    if events is not None:
        events = _events_check(events)
    with transaction.atomic():
        locked = _locked(endpoint)
        before = {"url": locked.url, "events": locked.events, "is_active": locked.is_active}
        if url is not None:
            _url_registered(locked.api_client, url, exclude=locked.pk)
            locked.url = url
        locked.events = events if events is not None else locked.events
        locked.is_active = is_active if is_active is not None else locked.is_active
        locked.save(update_fields=["url", "events", "is_active"])
        if not locked.is_active:
            _cancel_pending(locked, _("The endpoint was disabled."))
        after = {"url": locked.url, "events": locked.events, "is_active": locked.is_active}
        audit_record(
            actor=actor,
            actor_label=client_actor_label(locked.api_client),
            action="common.webhook_endpoint.updated",
            target=locked,
            data={"before": before, "after": after},
        )
    return locked


def _cancel_pending(endpoint: WebhookEndpoint, why: str) -> int:
    return endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error=why[:300]
    )


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor=None) -> None:
    """Delete an endpoint and its delivery log (the audit trail keeps that it existed)."""
    with transaction.atomic():
        locked = _locked(endpoint)
        audit_record(
            actor=actor,
            actor_label=client_actor_label(locked.api_client),
            action="common.webhook_endpoint.deleted",
            target=locked,
            data={"url": locked.url, "events": locked.events},
        )
        locked.delete()


def webhook_endpoint_secret_rotate(*, endpoint: WebhookEndpoint, actor=None) -> WebhookEndpoint:
    """A new signing secret, in force for every delivery from now on (retries included):
    the receiver switches to it as soon as it has read it in this answer."""
    with transaction.atomic():
        locked = _locked(endpoint)
        locked.secret = _new_secret()
        locked.save(update_fields=["secret"])
        audit_record(
            actor=actor,
            actor_label=client_actor_label(locked.api_client),
            action="common.webhook_endpoint.secret_rotated",
            target=locked,
        )
    return locked


def webhook_endpoint_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``webhook.test`` event to this endpoint alone, whatever events it hears, so
    a partner can check its receiver and its signature check end to end."""
    if not endpoint.is_active:
        raise ConflictError(
            _("The endpoint is disabled: enable it to send it a test event."),
            CommonErrorCode.WEBHOOK_ENDPOINT_DISABLED,
        )
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=TEST_EVENT,
            payload={"message": "A test event from eWTP Hub.", "endpoint": str(endpoint.public_id)},
            next_attempt_at=timezone.now(),
        )
        enqueue_after_commit([delivery.pk])
    return delivery


def webhook_endpoints_of(api_client: ApiClient) -> QuerySet:
    return api_client.webhook_endpoints.order_by("created_at", "id")


def webhook_deliveries_of(endpoint: WebhookEndpoint) -> QuerySet:
    """The endpoint's delivery log, for its owner: newest first."""
    return endpoint.deliveries.order_by("-id")
