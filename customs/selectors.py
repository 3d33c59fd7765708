"""Reads for the customs workbench: a hub's queues and one declaration with its reasons."""

from django.db.models import Count, Prefetch, QuerySet

from .models import Declaration, LaneDecision

QUEUED = (Declaration.Status.LANE, Declaration.Status.HELD)


def queue_of_hub(*, hub, lane: str = "") -> QuerySet[Declaration]:
    """Declarations waiting for the hub's officers, oldest first, with their item counts."""
    declarations = Declaration.objects.filter(hub=hub, status__in=QUEUED)
    if lane:
        declarations = declarations.filter(lane=lane)
    return declarations.annotate(item_count=Count("items")).order_by("created_at", "id")


def lane_counts(*, hub) -> dict[str, int]:
    rows = (
        Declaration.objects.filter(hub=hub, status__in=QUEUED)
        .values_list("lane")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def declaration_for_officer(*, hub, reference: str) -> Declaration | None:
    return (
        Declaration.objects.filter(hub=hub, reference=reference)
        .prefetch_related(
            "items",
            "assessment_lines",
            "transitions",
            Prefetch("lane_decisions", queryset=LaneDecision.objects.order_by("-created_at")),
        )
        .first()
    )
