"""The audit trail: who did what to which object, when and why."""

import json
from collections.abc import Iterable
from typing import Any, NotRequired, TypedDict, Unpack

from django.db import connection, models
from django.utils import timezone

from .models import AuditEntry

# The actor of scheduled work (the beat's sweeps): no person, and no API client either.
SYSTEM_BEAT = "system:beat"
BULK_BATCH = 5000


def client_actor_label(client) -> str:
    """An API client (a partner bank, a sales channel) as the trail names it: by its OAuth
    client id, which stays the same when the client is renamed."""
    return f"client:{client.application.client_id}"


def _actor(actor, actor_label: str):
    """The user to link, and the label kept beside it (the trail survives a deleted user)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor, actor.get_username()
    return None, actor_label or "system"


class AuditFacts(TypedDict):
    """What one audit row says: who (a user, or None for the system or an API client, then
    ``actor_label`` names it), did what, to which object, and why."""

    actor: Any
    action: str
    target: models.Model
    reason: NotRequired[str]
    data: NotRequired[dict | None]
    actor_label: NotRequired[str]


def audit_record(**facts: Unpack[AuditFacts]) -> AuditEntry:
    """Append one audit row. Call it inside the service's transaction, so that the row
    exists exactly when the change does."""
    entry = audit_entry(**facts)
    entry.save(force_insert=True)
    return entry


def audit_entry(
    *,
    actor,
    action: str,
    target: models.Model,
    reason: str = "",
    data: dict | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """The row audit_record appends, not saved yet: a batch of changes, each with its own
    reason, collects its rows and writes them with audit_record_many in one insert."""
    user, label = _actor(actor, actor_label)
    return AuditEntry(
        actor=user,
        actor_label=label,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        reason=reason,
        data=data or {},
    )


def audit_record_many(entries: list[AuditEntry]) -> None:
    """Write rows made by audit_entry, inside the transaction of the changes they record."""
    AuditEntry.objects.bulk_create(entries, batch_size=BULK_BATCH)


def audit_record_bulk(
    *,
    actor,
    action: str,
    model: type[models.Model],
    ids: Iterable[int],
    reason: str = "",
    data: dict | None = None,
    actor_label: str = "",
) -> int:
    """One audit row per object that one bulk UPDATE changed (a flight's parcels), all with
    the same actor, action, reason and data, in a few INSERTs. Call it inside the
    transaction of the UPDATE. Returns how many rows it wrote."""
    user, label = _actor(actor, actor_label)
    target_type = model._meta.label_lower
    if connection.vendor == "postgresql":
        ids = [str(pk) for pk in ids]
        _insert_unnest(ids, (user.pk if user else None, label, action, target_type), reason, data)
        return len(ids)
    rows = [
        AuditEntry(
            actor=user,
            actor_label=label,
            action=action,
            target_type=target_type,
            target_id=str(pk),
            reason=reason,
            data=data or {},
        )
        for pk in ids
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=BULK_BATCH)
    return len(rows)


def _insert_unnest(ids: list[str], who: tuple, reason: str, data: dict | None) -> None:
    """One INSERT … SELECT unnest(ids) per 50,000 rows, as logistics writes its tracking
    events: a consolidation's 100,000 parcels without a model instance per row (bulk_create
    spends most of its time in Python there)."""
    table = AuditEntry._meta.db_table
    sql = (
        f"INSERT INTO {table} (actor_id, actor_label, action, target_type, "
        "created_at, reason, data, target_id) "
        "SELECT %s, %s, %s, %s, %s, %s, %s::jsonb, unnest(%s::text[])"
    )
    values = [*who, timezone.now(), reason, json.dumps(data or {})]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 50_000):
            cursor.execute(sql, [*values, ids[start : start + 50_000]])


def audit_trail(target: models.Model):
    """The history of one object, newest first."""
    return AuditEntry.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).select_related("actor")
