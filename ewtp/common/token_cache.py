"""A short-lived cache of verified bearer tokens, so that an API call does not look its token
and client up in the database each time (two queries and most of a light call's time).

What is cached is the token row with its application, API client and user, under the
token's SHA-256 (the token itself is never a key). Expiry and scopes are still checked on
every call against the cached row. Revocation is honoured at once: deleting or changing a
token, and changing its API client (deactivation, scopes), drop the cached rows; the short
lifetime bounds what a missed signal could keep alive."""

import hashlib

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from oauth2_provider.models import AccessToken

from .models import ApiClient

LIFETIME_SECONDS = 30


def _key(checksum: str) -> str:
    return f"oauth:token:{checksum}"


def access_token_load(token: str) -> AccessToken | None:
    checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
    cached = cache.get(_key(checksum))
    if cached is not None:
        return cached
    found = (
        AccessToken.objects.select_related("application__api_client", "user")
        .filter(token_checksum=checksum)
        .first()
    )
    if found is not None:
        remaining = int((found.expires - timezone.now()).total_seconds())
        if remaining > 0:
            cache.set(_key(checksum), found, min(LIFETIME_SECONDS, remaining))
    return found


def _forget(keys: list[str]) -> None:
    """Now, and again when the change commits: a call verified in between (reading the row
    as it was before the change) may have cached it anew."""
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


@receiver(post_save, sender=AccessToken)
@receiver(post_delete, sender=AccessToken)
def _token_changed(sender, instance: AccessToken, **kwargs) -> None:
    if instance.token_checksum:
        _forget([_key(instance.token_checksum)])


@receiver(post_save, sender=ApiClient)
@receiver(post_delete, sender=ApiClient)
def _client_changed(sender, instance: ApiClient, **kwargs) -> None:
    checksums = AccessToken.objects.filter(application_id=instance.application_id).values_list(
        "token_checksum", flat=True
    )
    _forget([_key(checksum) for checksum in checksums if checksum])
