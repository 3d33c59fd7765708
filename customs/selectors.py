"""Reads for the customs workbench: a hub's queues and one declaration with its reasons."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from .models import Declaration, DeclarationDocument, DeclarationTransition, LaneDecision

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
        .select_related("order")
        .prefetch_related(
            "items",
            "assessment_lines",
            "transitions",
            "notes",
            "documents",
            Prefetch("lane_decisions", queryset=LaneDecision.objects.order_by("-created_at")),
        )
        .first()
    )


def _with_details(declarations: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """Everything a declaration page or API answer shows, in a constant number of queries."""
    return declarations.select_related("hub", "order").prefetch_related(
        "items",
        "assessment_lines",
        "transitions",
        "notes",
        "documents",
    )


def declarations_of_organization(*, organization) -> QuerySet[Declaration]:
    """What the SME declared or had declared for it (by hand, by its agent or the pipeline)."""
    return _with_details(Declaration.objects.filter(organization=organization))


def declarations_of_channel(*, channel) -> QuerySet[Declaration]:
    """The declarations of the orders a sales channel placed."""
    return _with_details(Declaration.objects.filter(order__channel=channel))


def lane_mix(*, hub, since) -> dict[str, int]:
    """How many declarations each lane took at the hub since ``since`` (decided or not)."""
    rows = (
        Declaration.objects.filter(hub=hub, created_at__gte=since)
        .exclude(lane="")
        .values_list("lane")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def declaration_list_of_organization(*, organization, status: str = "") -> QuerySet[Declaration]:
    """The SME's declarations, newest first, each with the reason of its last change (what
    customs said) in the same query."""
    last = DeclarationTransition.objects.filter(declaration=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    declarations = Declaration.objects.filter(organization=organization)
    if status:
        declarations = declarations.filter(status=status)
    return (
        declarations.select_related("hub", "order")
        .annotate(last_reason=Subquery(last.values("public_reason")[:1]))
        .order_by("-created_at", "-id")
    )


def declaration_for_print(*, reference: str) -> Declaration | None:
    return (
        Declaration.objects.filter(reference=reference)
        .select_related("hub", "order", "organization")
        .prefetch_related("items", "assessment_lines", "transitions")
        .first()
    )


def document_of(*, reference: str, document_id) -> DeclarationDocument | None:
    return (
        DeclarationDocument.objects.filter(declaration__reference=reference, public_id=document_id)
        .select_related("declaration__organization")
        .first()
    )
