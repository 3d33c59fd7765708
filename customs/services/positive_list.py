"""China's cross-border retail positive list: loading an edition from CSV, and the look-up the
duty engine makes before it grants the retail regime.

The file has the columns hs_code, description, effective_from, effective_to (optional) and
legal_source (customs/data/SOURCE.md). It is checked whole first: every bad row is reported
with its number and nothing is loaded. Loading an edition again replaces its entries, so a
corrected file is loaded the same way as the first one."""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from ewtp.common.errors import ApplicationError

from ..errors import CustomsErrorCode
from ..models import PositiveListEntry
from .reference_cache import cached
from .tariff import DATA, _rows

BUNDLED_FILE = DATA / "positive-list" / "CN-indicative-excerpt.csv"
BUNDLED_EDITION = "Indicative excerpt of the 2019 list (adjusted 2022)"
CODE = re.compile(r"^([0-9]{2}|[0-9]{4}|[0-9]{6,10})$")


def _entry(row: dict, edition: str, indicative: bool) -> PositiveListEntry:
    code = re.sub(r"[.\s]", "", row["hs_code"] or "")
    if not CODE.match(code):
        raise ValueError(f"the HS code {row['hs_code']!r} is not 2, 4 or 6 to 10 digits.")
    description = (row["description"] or "").strip()
    source = (row["legal_source"] or "").strip()
    if not description or not source:
        raise ValueError("the description and the legal source are required.")
    if len(description) > 200 or len(source) > 200:
        raise ValueError("the description and the legal source take at most 200 characters.")
    since = date.fromisoformat((row["effective_from"] or "").strip())
    until_text = (row.get("effective_to") or "").strip()
    until = date.fromisoformat(until_text) if until_text else None
    if until is not None and until < since:
        raise ValueError("effective_to is before effective_from.")
    return PositiveListEntry(
        edition=edition,
        hs_code=code,
        description=description,
        effective_from=since,
        effective_to=until,
        legal_source=source,
        indicative=indicative,
    )


def positive_list_load(*, text: str, edition: str, indicative: bool = False) -> int:
    """Load (or replace) ``edition`` of the list; returns the entries loaded."""
    edition = edition.strip()
    if not edition or len(edition) > 100:
        raise ApplicationError(
            "Name the list's edition (at most 100 characters).",
            CustomsErrorCode.TARIFF_INVALID,
            extra={"field": "edition"},
        )
    columns = {"hs_code", "description", "effective_from", "legal_source"}
    entries, errors, seen = [], [], set()
    for line, row in _rows(text, columns):
        try:
            entry = _entry(row, edition, indicative)
        except (ValueError, TypeError, AttributeError) as error:
            errors.append(f"Row {line}: {error}")
            continue
        key = (entry.hs_code, entry.effective_from)
        if key in seen:
            errors.append(f"Row {line}: {entry.hs_code} from {entry.effective_from} is twice.")
        seen.add(key)
        entries.append(entry)
    if errors or not entries:
        raise ApplicationError(
            "Nothing was loaded. " + (" ".join(errors[:20]) or "The file has no entries."),
            CustomsErrorCode.TARIFF_INVALID,
            extra={"field": "file"},
        )
    with transaction.atomic():
        PositiveListEntry.objects.filter(edition=edition).delete()
        PositiveListEntry.objects.bulk_create(entries)
    return len(entries)


def positive_list_load_bundled() -> int:
    """The indicative excerpt shipped in customs/data/positive-list (the demo's and the
    tests' list; load the published list over it for real use)."""
    return positive_list_load(
        text=Path(BUNDLED_FILE).read_text(encoding="utf-8"),
        edition=BUNDLED_EDITION,
        indicative=True,
    )


@dataclass(frozen=True)
class ListCheck:
    listed: bool
    entry: PositiveListEntry | None  # the entry that lists the goods, when listed
    legal_source: str  # the instrument of the list in force (listed or not)


def positive_list_check(hs_code: str, on: date) -> ListCheck:
    """Whether goods of ``hs_code`` are on the list in force on ``on``: an entry whose code
    is the goods' code or a shorter code over it. Goods declared at fewer digits than the
    list's entries under them are listed only if an entry covers their whole code (the
    officer needs the national line to decide otherwise). No list in force is an error, as
    a missing regime parameter is: the regime cannot be granted or refused without it."""
    code = re.sub(r"\D", "", hs_code)
    prefixes = [code[:n] for n in (2, 4, 6, 8, 10) if n <= len(code)]
    entries = cached(
        ("positive_list", tuple(prefixes), on),
        lambda: list(
            PositiveListEntry.objects.in_force(on)
            .filter(hs_code__in=prefixes)
            .order_by("-effective_from")
        ),
    )
    if entries:
        return ListCheck(True, entries[0], entries[0].legal_source)
    any_entry = cached(
        ("positive_list_any", on),
        lambda: PositiveListEntry.objects.in_force(on).order_by("-effective_from").first(),
    )
    if any_entry is None:
        raise ApplicationError(
            f"No cross-border retail positive list is in force on {on}.",
            CustomsErrorCode.REGIME_PARAMETER_MISSING,
        )
    return ListCheck(False, None, any_entry.legal_source)
