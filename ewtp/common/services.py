"""Writes of the shared kernel: API client registration."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from oauth2_provider.models import Application

from .audit import audit_record
from .errors import ApplicationError
from .models import ApiClient


@dataclass(frozen=True)
class IssuedCredentials:
    client: ApiClient
    client_id: str
    client_secret: str  # shown once: the database keeps only its hash


def api_client_create(*, name: str, kind: str, scopes: list[str], actor=None) -> IssuedCredentials:
    """Register a partner bank or sales channel for OAuth2 client credentials.

    The secret is returned once and stored hashed; lose it and issue a new client.
    """
    unknown = sorted(set(scopes) - set(settings.API_SCOPES))
    if unknown:
        raise ApplicationError(
            f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(settings.API_SCOPES)}.",
            "scope_unknown",
            extra={"field": "scopes"},
        )
    if kind not in ApiClient.Kind.values:
        raise ApplicationError(
            f"Kind must be one of {', '.join(ApiClient.Kind.values)}.",
            "kind_unknown",
            extra={"field": "kind"},
        )
    if not name.strip():
        raise ApplicationError("A client needs a name.", "name_required", extra={"field": "name"})
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


def api_client_secret_rotate(*, client: ApiClient, actor=None) -> IssuedCredentials:
    """Issue a new secret for an existing client; the old one stops working at once."""
    secret = secrets.token_urlsafe(40)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=client.application_id)
        application.client_secret = secret
        application.save(update_fields=["client_secret", "updated"])
        audit_record(actor=actor, action="common.api_client.secret_rotated", target=client)
    return IssuedCredentials(client=client, client_id=application.client_id, client_secret=secret)
