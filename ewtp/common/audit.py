"""The audit trail: who did what to which object, when and why."""

from django.db import models

from .models import AuditEntry


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    reason: str = "",
    data: dict | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """Append one audit row. Call it inside the service's transaction, so that the row
    exists exactly when the change does. ``actor`` is a user, or None for the system or an
    API client (then ``actor_label`` names it)."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_label=actor.get_username() if is_user else (actor_label or "system"),
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        reason=reason,
        data=data or {},
    )


def audit_trail(target: models.Model):
    """The history of one object, newest first."""
    return AuditEntry.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).select_related("actor")
