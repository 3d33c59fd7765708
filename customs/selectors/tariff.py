"""Reads of the tariff: the nomenclature, coverage per country, schedule versions, the lines
nearest a classification."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.db.models.functions import Substr

from hubs.models import HsCode

from ..models import (
    Classification,
    TariffLine,
    TariffSchedule,
)


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
