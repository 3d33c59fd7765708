"""Reads of declarations: an officer's queues, a trader's list, an order's declarations and
their history."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from ..models import (
    Declaration,
    DeclarationDocument,
    DeclarationTransition,
    LaneDecision,
)

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


def declarations_of_order(*, order) -> QuerySet[Declaration]:
    """The order's declarations in force (export and import; a cancelled one is no more),
    in the order they were filed, with their hubs."""
    return (
        Declaration.objects.filter(order=order)
        .exclude(status=Declaration.Status.CANCELLED)
        .select_related("hub")
        .order_by("created_at", "id")
    )


def declarations_in_the_air(*, order, waybills: list[str]) -> QuerySet[Declaration]:
    """The order's declarations lodged before arrival for goods under one of ``waybills``
    that have not been presented yet (the landing scan presents them), oldest first."""
    return (
        Declaration.objects.filter(
            order=order,
            waybill__in=waybills,
            arrival_expected_at__isnull=False,
            goods_arrived_at__isnull=True,
        )
        .exclude(status__in=[Declaration.Status.CANCELLED, Declaration.Status.REJECTED])
        .order_by("created_at", "id")
    )


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


@dataclass(frozen=True)
class CustomsValue:
    """A declaration's value in its currency: the goods (FOB, the items' values as sold),
    the freight and insurance to the place of import, and their sum, the CIF an import's
    duty and tax are assessed on (an export states no freight or insurance: FOB = CIF)."""

    fob: Decimal  # in the declaration's currency
    freight: Decimal
    insurance: Decimal

    @property
    def cif(self) -> Decimal:
        return self.fob + self.freight + self.insurance


def declaration_customs_value(*, declaration: Declaration) -> CustomsValue:
    """The declaration's FOB, freight, insurance and CIF (its items as loaded, prefetched or
    not)."""
    fob = sum((item.value for item in declaration.items.all()), Decimal(0))
    return CustomsValue(fob=fob, freight=declaration.freight, insurance=declaration.insurance)


def declaration_by_id(*, declaration_id: int) -> Declaration:
    return Declaration.objects.get(pk=declaration_id)


def declaration_filed(*, order, regime: str, ignoring=()) -> bool:
    """Whether the order has a declaration in ``regime``, those in an ``ignoring`` status
    left out."""
    declarations = Declaration.objects.filter(order=order, regime=regime)
    if ignoring:
        declarations = declarations.exclude(status__in=list(ignoring))
    return declarations.exists()


def declaration_released_for(*, order_id: int, regimes) -> bool:
    """Whether a declaration of the order in one of ``regimes`` is released."""
    return Declaration.objects.filter(
        order_id=order_id, regime__in=list(regimes), status=Declaration.Status.RELEASED
    ).exists()


def declaration_held_of(*, order) -> Declaration | None:
    """A declaration of the order that customs holds; None while none is held."""
    return Declaration.objects.filter(order=order, status=Declaration.Status.HELD).first()


def declaration_transitions_of_order(*, order) -> QuerySet[DeclarationTransition]:
    """Every move of the order's declarations after their drafts, each with its declaration
    and hub (one query)."""
    return (
        DeclarationTransition.objects.filter(declaration__order=order)
        .select_related("declaration__hub")
        .exclude(to_status=Declaration.Status.DRAFT)
    )


def declaration_holds_and_rejections(*, organization, since) -> dict[str, int]:
    """How many times customs held (``holds``) and rejected (``rejections``) a declaration of
    the organisation since ``since``: one query."""
    return DeclarationTransition.objects.filter(
        declaration__organization=organization, created_at__gte=since
    ).aggregate(
        holds=Count("id", filter=Q(to_status=Declaration.Status.HELD)),
        rejections=Count("id", filter=Q(to_status=Declaration.Status.REJECTED)),
    )


def declarations_by_id(*, declaration_ids) -> dict[int, Declaration]:
    """Declarations by id, each with its hub, its order's hubs and its organisation (one
    query)."""
    return Declaration.objects.select_related(
        "hub", "order__origin_hub", "order__destination_hub", "organization"
    ).in_bulk(declaration_ids)


def declaration_transitions_latest(
    *, declaration_ids, statuses
) -> dict[tuple[int, str], DeclarationTransition]:
    """(declaration id, status) → that declaration's latest move to that status, of those of
    ``declaration_ids`` to one of ``statuses`` (one query)."""
    latest = {}
    for step in DeclarationTransition.objects.filter(
        declaration_id__in=declaration_ids, to_status__in=statuses
    ).order_by("declaration_id", "to_status", "created_at", "id"):
        latest[(step.declaration_id, step.to_status)] = step
    return latest


def declaration_steps_of_orders(
    *, order_ids
) -> dict[int, list[tuple[str, str, list[tuple[str, object]]]]]:
    """Order id → its declarations past their drafts and not cancelled, newest first (a
    rejected declaration's successor before it), each as (regime, lane, its moves as
    (status, when) in time order): two queries, however many orders and declarations there
    are."""
    declarations = list(
        Declaration.objects.filter(order_id__in=list(order_ids))
        .exclude(status__in=[Declaration.Status.CANCELLED, Declaration.Status.DRAFT])
        .order_by("-created_at", "-id")
        .values_list("pk", "order_id", "regime", "lane")
    )
    steps: dict = defaultdict(list)
    for declaration_id, to_status, at in (
        DeclarationTransition.objects.filter(declaration_id__in=[d[0] for d in declarations])
        .order_by("created_at", "id")
        .values_list("declaration_id", "to_status", "created_at")
    ):
        steps[declaration_id].append((to_status, at))
    of_order: dict[int, list] = defaultdict(list)
    for pk, order_id, regime, lane in declarations:
        of_order[order_id].append((regime, lane, steps[pk]))
    return of_order
