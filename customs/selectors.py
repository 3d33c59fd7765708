"""Reads for the customs workbench (a hub's queues and one declaration with its reasons) and
for the tariff pages (the HS 2022 nomenclature, and how much of it has a rate in force)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from hubs.models import HsCode, Organization

from .models import (
    Classification,
    Declaration,
    DeclarationDocument,
    DeclarationTransition,
    LaneDecision,
    Permit,
    PostClearanceAudit,
    TariffLine,
    TariffSchedule,
)

QUEUED = (Declaration.Status.LANE, Declaration.Status.HELD)


def queue_of_hub(*, hub, lane: str = "") -> QuerySet[Declaration]:
    """Declarations waiting for the hub's officers, oldest first, with their item counts."""
    declarations = Declaration.objects.filter(hub=hub, status__in=QUEUED)
    if lane:
        declarations = declarations.filter(lane=lane)
    return declarations.annotate(item_count=Count("items")).order_by("created_at", "id")


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


# The tariff: the HS 2022 nomenclature schedules are checked against, and how much of it has
# a rate in force.


@dataclass(frozen=True)
class Nomenclature:
    """The HS 2022 codes a tariff line may extend: chapters (with their names), headings and
    subheadings."""

    chapters: dict[str, str]
    headings: frozenset[str]
    subheadings: frozenset[str]

    def knows(self, code: str) -> bool:
        if len(code) == 2:
            return code in self.chapters
        if len(code) == 4:
            return code in self.headings
        return code[:6] in self.subheadings


_nomenclature: Nomenclature | None = None


def tariff_nomenclature() -> Nomenclature:
    """The HS 2022 chapters, headings and subheadings, read once per process: reference
    data that only a migration changes. An empty read (a database not migrated yet, or a
    transactional test that emptied it) is not kept."""
    global _nomenclature
    if _nomenclature is None:
        chapters, headings, subheadings = {}, set(), set()
        for code, level, description in HsCode.objects.values_list("code", "level", "description"):
            if level == 2:
                chapters[code] = description
            elif level == 4:
                headings.add(code)
            elif level == 6:
                subheadings.add(code)
        read = Nomenclature(
            dict(sorted(chapters.items())), frozenset(headings), frozenset(subheadings)
        )
        if not subheadings:
            return read
        _nomenclature = read
    return _nomenclature


@dataclass(frozen=True)
class ChapterCoverage:
    chapter: str
    description: str
    subheadings: int
    covered: tuple[int, ...]  # per country (TariffCoverage.countries): with a rate in force
    official: tuple[int, ...]  # of those, by a schedule that is not indicative


@dataclass(frozen=True)
class TariffCoverage:
    on: date
    countries: tuple[str, ...]
    subheadings: int
    covered: tuple[int, ...]
    official: tuple[int, ...]
    chapters: list[ChapterCoverage]
    schedules: list[TariffSchedule]  # the versions in force on the date


COVERAGE_COUNTRIES = ("MY", "CN")  # the hubs' countries, shown even without a schedule


def tariff_coverage(*, on: date) -> TariffCoverage:
    """Per country, the HS 2022 subheadings with a rate in force on ``on`` (a line of their
    own or under them, or their heading's or chapter's rate), overall and per chapter. Three
    queries (two once the nomenclature is read), whatever the number of lines."""
    nomenclature = tariff_nomenclature()
    codes: dict[str, set[str]] = defaultdict(set)
    official: dict[str, set[str]] = defaultdict(set)
    rows = (
        TariffLine.objects.in_force(on)
        .annotate(prefix=Substr("hs_code", 1, 6))
        .values_list("country", "prefix", "schedule__indicative")
        .distinct()
    )
    for country, prefix, indicative in rows:
        codes[country].add(prefix)
        if not indicative:
            official[country].add(prefix)
    countries = tuple(dict.fromkeys([*COVERAGE_COUNTRIES, *sorted(codes)]))

    def has_rate(subheading: str, known: set[str]) -> bool:
        return subheading in known or subheading[:4] in known or subheading[:2] in known

    of_chapter: dict[str, list[str]] = defaultdict(list)
    for subheading in nomenclature.subheadings:
        of_chapter[subheading[:2]].append(subheading)
    chapters = []
    for chapter, description in nomenclature.chapters.items():
        subheadings = of_chapter[chapter]
        chapters.append(
            ChapterCoverage(
                chapter=chapter,
                description=description,
                subheadings=len(subheadings),
                covered=tuple(sum(has_rate(s, codes[c]) for s in subheadings) for c in countries),
                official=tuple(
                    sum(has_rate(s, official[c]) for s in subheadings) for c in countries
                ),
            )
        )
    schedules = (
        TariffSchedule.objects.filter(effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .select_related("loaded_by")
        .order_by("country", "edition", "-version")
    )
    return TariffCoverage(
        on=on,
        countries=countries,
        subheadings=len(nomenclature.subheadings),
        covered=tuple(sum(c.covered[i] for c in chapters) for i in range(len(countries))),
        official=tuple(sum(c.official[i] for c in chapters) for i in range(len(countries))),
        chapters=chapters,
        schedules=list(schedules),
    )


def tariff_schedule_versions(*, limit: int = 50) -> list[TariffSchedule]:
    """The latest schedule versions loaded, newest first (the upload page's list)."""
    return list(
        TariffSchedule.objects.select_related("loaded_by", "superseded_by").order_by(
            "-loaded_at", "-id"
        )[:limit]
    )


NEAREST = 8  # tariff lines shown next to a classification request


def nearest_lines(classifications: list[Classification], *, country: str, on) -> dict:
    """For each request, the tariff lines in force nearest its HS code: those sharing the
    longest prefix (heading, then chapter), most specific first. One query for all."""
    if not classifications:
        return {}
    near = Q()
    for chapter in {c.hs_code[:2] for c in classifications}:
        near |= Q(hs_code__startswith=chapter)
    lines = (
        TariffLine.objects.in_force(on)
        .filter(near, country=country)
        .order_by("hs_code", "-effective_from")
    )
    latest = {}
    for line in lines:
        latest.setdefault(line.hs_code, line)  # the one in force: newest first per code

    def shared(a: str, b: str) -> int:
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    return {
        c.pk: sorted(
            (line for code, line in latest.items() if code[:2] == c.hs_code[:2]),
            key=lambda line, c=c: (-shared(line.hs_code, c.hs_code), line.hs_code),
        )[:NEAREST]
        for c in classifications
    }


# Permits of other agencies (customs/services/permits.py decides which covers what)


def permits_of_holder(*, organization) -> QuerySet[Permit]:
    """An organisation's permits, those valid longest first."""
    return Permit.objects.filter(holder=organization).order_by("-valid_until", "agency", "number")


def permits_of_country(*, country: str) -> QuerySet[Permit]:
    """The permits presented to one country's customs (its hubs' officers see them), the
    latest registered first, with their holders."""
    return (
        Permit.objects.filter(country=country)
        .select_related("holder")
        .order_by("-created_at", "-id")
    )


def permit_holders_for_hub(*, hub) -> QuerySet[Organization]:
    """Whom a hub's officers register permits for: the organisations of the hub's country
    and those that declared goods at the hub."""
    declared_here = Declaration.objects.filter(organization=OuterRef("pk"), hub=hub)
    return Organization.objects.filter(
        Q(country=hub.country.code) | Exists(declared_here)
    ).order_by("legal_name", "id")


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
