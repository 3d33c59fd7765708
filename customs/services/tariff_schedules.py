"""Loading a national tariff schedule (a chapter, a few lines or the whole book) from a CSV
file, as one new version of the country's schedule, in one transaction.

The file is read twice, as a stream, so that memory stays bounded whatever its size (up to
MAX_ROWS lines and MAX_BYTES): once to check every row and the file as a whole, then — only
if nothing is wrong — to insert the lines in batches. The checks report every bad row with
its number (the header is row 1) and the reason:

- errors (nothing is loaded): an unreadable file or missing column; a bad number, date,
  flag or code; a code that is not in the HS 2022 tree; a line of another country; a line
  whose dates collide with another line of the same code; national lines nested in each
  other; a subheading without a line in a chapter the file claims to cover in full;
- warnings (loaded, and kept with the schedule): no description or unit of quantity, a date
  before HS 2022, a preferential rate not below the MFN duty, an unknown column.

The schedule is identified by its country, edition and the file's SHA-256: the same file
loaded again changes nothing. A different file under the same edition is its next version:
it replaces the previous version from its own effective date (the previous one stays for
earlier dates, and for the declarations assessed under it).
"""

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from django.db import IntegrityError, transaction

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from hubs.roles import Perm, Role, has_permission, roles_of

from ..errors import CustomsErrorCode
from ..models import PreferentialRate, TariffLine, TariffSchedule
from ..selectors import Nomenclature, tariff_nomenclature
from .tariff_schedule_rows import (
    COLUMNS,
    REQUIRED_COLUMNS,
    RowInvalid,
    hs_code_clean,
    row_parse,
)

MAX_ROWS = 50_000  # a whole national book is 10,000 to 20,000 lines
MAX_BYTES = 20 * 1024 * 1024
BATCH = 2_000
LISTED = 1_000  # issues listed in a report; all are counted


@dataclass(frozen=True)
class Issue:
    row: int | None  # None: the file as a whole, or a subheading it leaves without a line
    hs_code: str
    message: str


@dataclass
class ScheduleReport:
    """What a load found and did. ``schedule`` is the version loaded, or the one this file
    already is; None when the file was refused (or only checked)."""

    edition: str
    country: str = ""
    rows: int = 0
    sha256: str = ""
    errors: list[Issue] = field(default_factory=list)
    error_count: int = 0
    warnings: list[Issue] = field(default_factory=list)
    warning_count: int = 0
    schedule: TariffSchedule | None = None
    already_loaded: bool = False
    replaced: TariffSchedule | None = None

    def error(self, row: int | None, hs_code: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < LISTED:
            self.errors.append(Issue(row, hs_code, message))

    def warn(self, row: int | None, hs_code: str, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < LISTED:
            self.warnings.append(Issue(row, hs_code, message))

    @property
    def loaded(self) -> bool:
        return self.schedule is not None and not self.already_loaded


@dataclass(frozen=True)
class ScheduleRequest:
    edition: str
    legal_source: str
    chapters: tuple[str, ...]  # claimed in full; every chapter for "all"
    chapters_text: str  # as stored: "all", "61 62" or ""
    indicative: bool


def tariff_schedule_load(
    *,
    file,
    edition: str,
    legal_source: str,
    chapters: str = "",
    indicative: bool = False,
    actor=None,
    actor_label: str = "",
    check_only: bool = False,
) -> ScheduleReport:
    """Check ``file`` (a seekable binary file) and, if nothing is wrong, load it as the next
    version of ``edition``. ``chapters``: "all", or the chapters the file covers in full.
    ``actor``: the user loading it from the portal — a customs officer loads his own
    country's schedules, an administrator any; None for the command line (``actor_label``).
    Audited. Refusals of the request itself (no edition…) raise ApplicationError; what is
    wrong with the file is in the report."""
    if actor is not None and not has_permission(actor, Perm.CUSTOMS_WORKBENCH):
        raise NotAllowedError(
            "Customs officers and administrators load tariff schedules.",
            CustomsErrorCode.TARIFF_NOT_ALLOWED,
        )
    nomenclature = tariff_nomenclature()
    request = _request(edition, legal_source, chapters, indicative, nomenclature)
    report = ScheduleReport(edition=request.edition)
    _check(file, request, nomenclature, report)
    if report.error_count or check_only:
        return report
    _country_check(actor, report.country)
    existing = _same_file(report)
    if existing is not None:
        report.schedule, report.already_loaded = existing, True
        return report
    try:
        with transaction.atomic():
            _insert(file, request, nomenclature, report, actor, actor_label)
    except IntegrityError:
        existing = _same_file(report)
        if existing is None:
            raise ConflictError(
                f"Another version of {request.edition} was loaded at the same time: load "
                "this file again to make it the next version.",
                CustomsErrorCode.TARIFF_BUSY,
            ) from None
        # the same file, loaded by someone else a moment earlier
        report.schedule, report.already_loaded, report.replaced = existing, True, None
    return report


def _invalid(message: str, field_name: str):
    raise ApplicationError(message, CustomsErrorCode.TARIFF_INVALID, extra={"field": field_name})


def _request(edition, legal_source, chapters, indicative, nomenclature) -> ScheduleRequest:
    edition, legal_source = (edition or "").strip(), (legal_source or "").strip()
    if not edition or len(edition) > 100:
        _invalid("Name the edition (up to 100 characters), e.g. PDK 2022.", "edition")
    if not legal_source or len(legal_source) > 200:
        _invalid("Name the instrument the schedule enacts (up to 200 characters).", "legal_source")
    text = (chapters or "").replace(",", " ").split()
    if [c.lower() for c in text] == ["all"]:
        return ScheduleRequest(
            edition, legal_source, tuple(nomenclature.chapters), "all", indicative
        )
    unknown = [c for c in text if c not in nomenclature.chapters]
    if unknown:
        _invalid(
            f"Not HS 2022 chapters: {' '.join(unknown[:10])}. Give two digits (01 to 97) or all.",
            "chapters",
        )
    claimed = tuple(sorted(set(text)))
    return ScheduleRequest(edition, legal_source, claimed, " ".join(claimed)[:300], indicative)


def _country_check(actor, country: str) -> None:
    if actor is None or Role.ADMIN in roles_of(actor):
        return
    hub = actor.official_hub
    if hub is None or hub.country.code != country:
        raise NotAllowedError(
            f"An officer loads the schedules of his own hub's country, not {country}'s.",
            CustomsErrorCode.TARIFF_NOT_ALLOWED,
        )


def _same_file(report: ScheduleReport) -> TariffSchedule | None:
    return TariffSchedule.objects.filter(
        country=report.country, edition=report.edition, sha256=report.sha256
    ).first()


class _TooLarge(Exception):
    pass


class _Hashing(io.RawIOBase):
    """The file's bytes as they are read, hashed and counted on the way."""

    def __init__(self, file):
        self.file, self.digest, self.size = file, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.file.read(len(buffer))
        self.size += len(data)
        if self.size > MAX_BYTES:
            raise _TooLarge
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def _rows(file, hashing: _Hashing, report: ScheduleReport):
    """(row number, row) for each line of the file, the header checked first. Problems of
    the file as a whole go to the report and end the reading."""
    file.seek(0)
    text = io.TextIOWrapper(io.BufferedReader(hashing, 1 << 16), encoding="utf-8-sig", newline="")
    try:
        reader = csv.DictReader(text)
        header = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = header
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            report.error(1, "", f"missing column(s): {', '.join(missing)}")
            return
        for name in header:
            if name not in COLUMNS:
                report.warn(1, "", f"column {name!r} is not part of the format: ignored")
        for count, row in enumerate(reader, start=1):
            if count > MAX_ROWS:
                report.error(None, "", f"more than {MAX_ROWS:,} lines: split the file by chapter")
                return
            # the line the row ends on, as an editor or a spreadsheet numbers it (a blank
            # line counts)
            yield reader.line_num, row
    except (csv.Error, UnicodeDecodeError) as error:
        report.error(None, "", f"not a readable CSV file in UTF-8: {error}")
    except _TooLarge:
        report.error(None, "", f"larger than {MAX_BYTES // 2**20} MB: split the file by chapter")


@dataclass(frozen=True)
class _Dated:
    start: date
    end: date | None
    row: int


def _check(file, request: ScheduleRequest, nomenclature: Nomenclature, report) -> None:
    hashing = _Hashing(file)
    dated: dict[str, list[_Dated]] = defaultdict(list)
    for number, row in _rows(file, hashing, report):
        report.rows += 1
        try:
            parsed = row_parse(row, nomenclature=nomenclature, indicative=request.indicative)
        except RowInvalid as reasons:
            report.error(number, hs_code_clean(row.get("hs_code") or "")[:10], str(reasons))
            continue
        for warning in parsed.warnings:
            report.warn(number, parsed.hs_code, warning)
        report.country = report.country or parsed.country
        if parsed.country != report.country:
            report.error(
                number,
                parsed.hs_code,
                f"a line of {parsed.country} in a schedule of {report.country} "
                "(one country per file)",
            )
            continue
        dated[parsed.hs_code].append(_Dated(parsed.effective_from, parsed.effective_to, number))
    report.sha256 = hashing.digest.hexdigest()
    if not report.error_count and not dated:
        report.error(None, "", "the file has no lines")
    _collisions(dated, report)
    _nested(dated, report)
    _gaps(dated, request, nomenclature, report)


def _collisions(dated: dict[str, list[_Dated]], report: ScheduleReport) -> None:
    """A code may appear more than once in a file only for periods that do not overlap."""
    for code, lines in dated.items():
        lines.sort(key=lambda line: (line.start, line.row))
        for earlier, later in pairwise(lines):
            if earlier.end is None or earlier.end >= later.start:
                until = f"to {earlier.end}" if earlier.end else "with no end"
                report.error(
                    later.row,
                    code,
                    f"from {later.start}, its dates collide with row {earlier.row} (from "
                    f"{earlier.start} {until}): end the earlier line (effective_to) before "
                    "the later one starts",
                )


def _nested(dated: dict[str, list[_Dated]], report: ScheduleReport) -> None:
    """National lines partition their subheading: 61101100 beside 6110110010 means the file
    gives two rates for the same goods. (A chapter or heading rate may have lines under it:
    it is the rate for what they leave out.)"""
    for code, lines in dated.items():
        for length in range(6, len(code)):
            outer = dated.get(code[:length])
            if outer:
                for line in lines:
                    report.error(
                        line.row,
                        code,
                        f"overlaps line {code[:length]} (row {outer[0].row}): a national "
                        "line cannot lie inside another",
                    )
                break


def _gaps(dated, request: ScheduleRequest, nomenclature: Nomenclature, report) -> None:
    """Every subheading of a chapter the file claims to cover has a line: its own, a
    national line under it, or its heading's or chapter's."""
    if not request.chapters:
        return
    claimed = set(request.chapters)
    extended = {code[:6] for code in dated if len(code) > 6}
    for subheading in sorted(nomenclature.subheadings):
        if subheading[:2] not in claimed:
            continue
        if (
            subheading in dated
            or subheading in extended
            or subheading[:4] in dated
            or subheading[:2] in dated
        ):
            continue
        report.error(
            None,
            subheading,
            f"HS 2022 subheading {subheading} has no line, and the file claims to cover "
            f"chapter {subheading[:2]} in full",
        )


def _insert(file, request, nomenclature, report: ScheduleReport, actor, actor_label) -> None:
    """The second reading: the lines, in batches, under a new version of the edition."""
    previous = (
        TariffSchedule.objects.select_for_update()
        .filter(country=report.country, edition=request.edition)
        .order_by("-version")
        .first()
    )
    _covers_previous(previous, request.chapters_text)
    schedule = TariffSchedule.objects.create(
        country=report.country,
        edition=request.edition,
        version=previous.version + 1 if previous else 1,
        legal_source=request.legal_source,
        indicative=request.indicative,
        chapters=request.chapters_text,
        effective_from=date.max,  # the earliest line's, once they are read
        sha256=report.sha256,
        line_count=0,
        warnings=[[w.row, w.hs_code, w.message] for w in report.warnings][
            : TariffSchedule.WARNINGS_KEPT
        ],
        warning_count=report.warning_count,
        loaded_by=actor,
        loaded_by_label=(actor.email if actor is not None else actor_label or "system")[:254],
    )
    hashing, lines, rates = _Hashing(file), [], []
    changed = ConflictError("The file changed while it was loaded.", CustomsErrorCode.TARIFF_BUSY)
    for _number, row in _rows(file, hashing, ScheduleReport(edition=request.edition)):
        try:
            parsed = row_parse(row, nomenclature=nomenclature, indicative=request.indicative)
        except RowInvalid:
            raise changed from None
        schedule.effective_from = min(schedule.effective_from, parsed.effective_from)
        schedule.line_count += 1
        lines.append(parsed.line(schedule))
        rates += parsed.preferential_rates(schedule)
        if len(lines) >= BATCH:
            TariffLine.objects.bulk_create(lines)
            PreferentialRate.objects.bulk_create(rates)
            lines, rates = [], []
    TariffLine.objects.bulk_create(lines)
    PreferentialRate.objects.bulk_create(rates)
    if hashing.digest.hexdigest() != report.sha256 or schedule.line_count != report.rows:
        raise changed
    schedule.save(update_fields=["effective_from", "line_count"])
    if previous is not None and previous.superseded_by_id is None:
        _replace(previous, schedule)
        report.replaced = previous
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action="customs.tariff_schedule.loaded",
        target=schedule,
        data={
            "edition": schedule.edition,
            "version": schedule.version,
            "sha256": schedule.sha256,
            "lines": schedule.line_count,
            "replaced": previous.pk if previous else None,
        },
    )
    report.schedule = schedule


def _chapter_set(chapters: str) -> set[str] | None:
    """The chapters a schedule claims in full; None for the whole book."""
    return None if chapters.strip() == "all" else set(chapters.split())


def _covers_previous(previous: TariffSchedule | None, chapters: str) -> None:
    """A new version replaces the previous one whole: a file claiming fewer chapters would
    silently take the others out of force (their imports would all wait for
    classification), so it is refused."""
    if previous is None or previous.superseded_by_id is not None:
        return
    before, now = _chapter_set(previous.chapters), _chapter_set(chapters)
    if now is None or (before is not None and before <= now):
        return
    raise ApplicationError(
        f"Version {previous.version} of {previous.edition} covers "
        f"{'the whole book' if before is None else 'chapters ' + ' '.join(sorted(before))}; "
        "a new version replaces it whole, so it must cover as much. Load a corrected file "
        "of the same chapters, or the chapters alone under an edition of their own.",
        CustomsErrorCode.TARIFF_INVALID,
        extra={"field": "chapters"},
    )


def _replace(previous: TariffSchedule, schedule: TariffSchedule) -> None:
    """The previous version stays in force until the day before the new one starts (never
    longer than it was)."""
    until = schedule.effective_from - timedelta(days=1)
    previous.effective_to = min(previous.effective_to or until, until)
    previous.superseded_by = schedule
    previous.save(update_fields=["effective_to", "superseded_by"])
