"""API client registration: the partner banks and sales channels that call the API."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from oauth2_provider.models import AccessToken, Application

from .audit import audit_record
from .errors import ApplicationError, CommonErrorCode
from .models import ApiClient
from .validators import BIDI_CONTROLS_MESSAGE, has_bidi_controls


@dataclass(frozen=True)
class IssuedCredentials:
    client: ApiClient
    client_id: str
    client_secret: str  # shown once: the database keeps only its hash


def _scopes_check(scopes: list[str]) -> None:
    unknown = sorted(set(scopes) - set(settings.API_SCOPES))
    if unknown:
        raise ApplicationError(
            f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(settings.API_SCOPES)}.",
            CommonErrorCode.SCOPE_UNKNOWN,
            extra={"field": "scopes"},
        )


def api_client_create(*, name: str, kind: str, scopes: list[str], actor=None) -> IssuedCredentials:
    """Register a partner bank or sales channel for OAuth2 client credentials.

    The secret is returned once and stored hashed; lose it and issue a new client.
    """
    _scopes_check(scopes)
    if kind not in ApiClient.Kind.values:
        raise ApplicationError(
            f"Kind must be one of {', '.join(ApiClient.Kind.values)}.",
            CommonErrorCode.CLIENT_KIND_UNKNOWN,
            extra={"field": "kind"},
        )
    if not name.strip():
        raise ApplicationError(
            "A client needs a name.", CommonErrorCode.CLIENT_NAME_REQUIRED, extra={"field": "name"}
        )
    if has_bidi_controls(name):  # shown to officers and the organisation's owners
        raise ApplicationError(
            str(BIDI_CONTROLS_MESSAGE),
            CommonErrorCode.NAME_HAS_BIDI_CONTROLS,
            extra={"field": "name"},
        )
    secret = secrets.token_urlsafe(40)
    with transaction.atomic():
        application = Application.objects.create(
            name=name.strip(),
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
        )
        client = ApiClient.objects.create(
            application=application, kind=kind, allowed_scopes=" ".join(sorted(set(scopes)))
        )
        audit_record(
            actor=actor,
            action="common.api_client.created",
            target=client,
            data={"name": application.name, "kind": kind, "scopes": sorted(set(scopes))},
        )
    return IssuedCredentials(client=client, client_id=application.client_id, client_secret=secret)


def _revoke_tokens(client: ApiClient) -> int:
    deleted, _ = AccessToken.objects.filter(application_id=client.application_id).delete()
    return deleted


def api_client_secret_rotate(*, client: ApiClient, actor=None) -> IssuedCredentials:
    """Issue a new secret for an existing client. The old secret and every token issued
    with it stop working at once (a leaked secret is the usual reason to rotate)."""
    secret = secrets.token_urlsafe(40)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=client.application_id)
        application.client_secret = secret
        application.save(update_fields=["client_secret", "updated"])
        revoked = _revoke_tokens(client)
        audit_record(
            actor=actor,
            action="common.api_client.secret_rotated",
            target=client,
            data={"tokens_revoked": revoked},
        )
    return IssuedCredentials(client=client, client_id=application.client_id, client_secret=secret)


def api_client_update(
    *, client: ApiClient, is_active: bool, scopes: list[str], actor=None
) -> ApiClient:
    """Activate/deactivate a client or change its scopes. Live tokens are revoked whenever
    access shrinks, so a narrowed client cannot keep using what it lost."""
    _scopes_check(scopes)
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        before = {"is_active": locked.is_active, "scopes": locked.scope_list}
        shrinks = (locked.is_active and not is_active) or bool(set(locked.scope_list) - set(scopes))
        locked.is_active, locked.allowed_scopes = is_active, " ".join(sorted(set(scopes)))
        locked.save(update_fields=["is_active", "allowed_scopes"])
        revoked = _revoke_tokens(locked) if shrinks else 0
        audit_record(
            actor=actor,
            action="common.api_client.updated",
            target=locked,
            data={
                "before": before,
                "after": {"is_active": is_active, "scopes": sorted(set(scopes))},
                "tokens_revoked": revoked,
            },
        )
    return locked
