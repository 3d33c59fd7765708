"""Reads of the officers' other work: classification requests and post-clearance audits."""

from django.db.models import Count, Q, QuerySet

from ..models import (
    Classification,
    Declaration,
    PostClearanceAudit,
)


def classification_queue_of_hub(*, hub) -> QuerySet[Declaration]:
    """Import declarations waiting for the hub's officers to classify an item, oldest first,
    with how many items wait."""
    waiting = Count("classifications", filter=Q(classifications__status="open"), distinct=True)
    return (
        Declaration.objects.filter(hub=hub, status=Declaration.Status.CLASSIFY)
        .annotate(item_count=Count("items", distinct=True), open_count=waiting)
        .order_by("created_at", "id")
    )


def classification_count(*, hub) -> int:
    return Declaration.objects.filter(hub=hub, status=Declaration.Status.CLASSIFY).count()


def open_classifications(declaration: Declaration) -> list[Classification]:
    return list(
        declaration.classifications.filter(status=Classification.Status.OPEN)
        .select_related("item")
        .order_by("item__line_no")
    )


def audit_worklist_of_hub(*, hub) -> QuerySet[PostClearanceAudit]:
    """The hub's post-clearance audits to do, oldest first, each with its declaration and the
    declaration's item count (one query, whatever their number)."""
    return (
        PostClearanceAudit.objects.filter(hub=hub, status=PostClearanceAudit.Status.TO_AUDIT)
        .select_related("declaration")
        .annotate(item_count=Count("declaration__items"))
        .order_by("created_at", "id")
    )


def audit_count(*, hub) -> int:
    return PostClearanceAudit.objects.filter(
        hub=hub, status=PostClearanceAudit.Status.TO_AUDIT
    ).count()


def audit_for_officer(*, hub, reference: str) -> PostClearanceAudit | None:
    """The audit of the hub's declaration ``reference``, with its officer."""
    return (
        PostClearanceAudit.objects.filter(hub=hub, declaration__reference=reference)
        .select_related("officer")
        .first()
    )


def audit_of_declaration(*, declaration: Declaration) -> PostClearanceAudit | None:
    return PostClearanceAudit.objects.filter(declaration=declaration).first()


def audit_of(*, audit_id: int) -> PostClearanceAudit | None:
    return PostClearanceAudit.objects.filter(pk=audit_id).select_related("declaration").first()
