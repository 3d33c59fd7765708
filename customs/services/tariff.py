"""The tariff shipped in customs/data: the regime parameters (loaded from CSV: each file is
checked whole first, every bad row reported with its number, nothing loaded; a row already
loaded for the same name and date is updated) and the bundled schedules, loaded like any
national schedule (customs/services/tariff_schedules.py)."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from ewtp.common.errors import ApplicationError

from ..errors import CustomsErrorCode
from ..models import RegimeParameter
from .tariff_schedules import tariff_schedule_load

DATA = Path(__file__).resolve().parent.parent / "data"
SCHEDULES = DATA / "schedules"
MAX_ROWS = 10_000
NUMERIC_PARAMETERS = {
    "de_minimis_cif",
    "lvg_threshold",
    "lvg_rate_percent",
    "lvg_registration_threshold",
    "cbec_single_limit",
    "cbec_annual_limit",
    "cbec_tax_ratio_percent",
}


def _rows(text: str, columns: set[str]) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        missing = columns - set(reader.fieldnames or [])
        rows = [(line, row) for line, row in enumerate(reader, start=2)]
    except csv.Error as error:
        raise ApplicationError(
            f"Not a readable CSV file: {error}.", CustomsErrorCode.TARIFF_INVALID
        ) from None
    if missing:
        raise ApplicationError(
            f"Missing column(s): {', '.join(sorted(missing))}.",
            CustomsErrorCode.TARIFF_INVALID,
            extra={"field": "file"},
        )
    if len(rows) > MAX_ROWS:
        raise ApplicationError(
            f"At most {MAX_ROWS:,} rows per file.", CustomsErrorCode.TARIFF_INVALID
        )
    return rows


def _decimal(text, maximum=Decimal("9999.99")) -> Decimal:
    value = Decimal((text or "0").strip() or "0")
    if not value.is_finite() or value < 0 or value > maximum:
        raise InvalidOperation
    return value


def _parameter_row(row) -> tuple[dict, dict]:
    country = (row["country"] or "").strip().upper()
    name = (row["name"] or "").strip()
    if len(country) != 2 or not name or not (row["legal_source"] or "").strip():
        raise ValueError("country, name and legal source are required.")
    key = {
        "country": country,
        "name": name[:40],
        "effective_from": date.fromisoformat((row["effective_from"] or "").strip()),
    }
    value = (row["value"] or "").strip()[:200]
    if name in NUMERIC_PARAMETERS:
        _decimal(value, Decimal("100000000"))  # a threshold or rate: a number
    return key, {"value": value, "legal_source": row["legal_source"].strip()[:200]}


def regime_parameters_load(*, text: str) -> int:
    parsed, errors = [], []
    for line, row in _rows(text, {"country", "name", "value", "effective_from", "legal_source"}):
        try:
            parsed.append(_parameter_row(row))
        except (ValueError, TypeError, AttributeError, ArithmeticError) as error:
            detail = str(error) if isinstance(error, ValueError) else ""
            errors.append(f"Row {line}: {detail or 'a number is wrong'}")
    if errors:
        raise ApplicationError(
            "Nothing was loaded. " + " ".join(errors[:20]),
            CustomsErrorCode.TARIFF_INVALID,
            extra={"field": "file"},
        )
    with transaction.atomic():
        for key, values in parsed:
            RegimeParameter.objects.update_or_create(**key, defaults=values)
    return len(parsed)


@dataclass(frozen=True)
class BundledSchedule:
    file: str  # in customs/data/schedules
    edition: str
    legal_source: str
    chapters: str = ""


# Every bundled rate is INDICATIVE (customs/data/SOURCE.md): modelled on the instruments
# named, for the demo, and to be checked against the official schedules before use. The
# chapter rates give every HS 2022 subheading a rate; the demo catalogue's own lines are
# more specific and win where they exist.
BUNDLED = (
    BundledSchedule(
        "MY-indicative-chapters.csv",
        "Indicative chapter and heading rates",
        "INDICATIVE: modelled on the Customs Duties Order 2022 and the Sales Tax (Rates of "
        "Tax) Order 2018 / Sales Tax (Goods Exempted from Tax) Order 2018",
        chapters="all",
    ),
    BundledSchedule(
        "CN-indicative-chapters.csv",
        "Indicative chapter and heading rates",
        "INDICATIVE: modelled on the Customs Tariff of the PRC (2022 and 2024 editions), import "
        "VAT at 13 % / 9 % and the consumption tax",
        chapters="all",
    ),
    BundledSchedule(
        "MY-demo-catalogue.csv",
        "Demo catalogue lines",
        "INDICATIVE: the demo catalogue's subheadings, entered by hand from the Malaysian orders",
    ),
    BundledSchedule(
        "CN-demo-catalogue.csv",
        "Demo catalogue lines",
        "INDICATIVE: the demo catalogue's subheadings, entered by hand from the PRC tariff",
    ),
)


def tariff_load_bundled() -> int:
    """The regime parameters and the bundled (indicative) schedules in customs/data. Loading
    them again changes nothing. Returns the rows loaded: the parameters, and the lines of
    the schedules not loaded before. China's positive list (its indicative excerpt) comes
    with them: the retail regime is not assessed without it."""
    from .positive_list import positive_list_load_bundled  # it reads CSV with _rows, here

    positive_list_load_bundled()
    loaded = regime_parameters_load(
        text=(DATA / "regime-parameters.csv").read_text(encoding="utf-8")
    )
    for bundled in BUNDLED:
        with open(SCHEDULES / bundled.file, "rb") as file:
            report = tariff_schedule_load(
                file=file,
                edition=bundled.edition,
                legal_source=bundled.legal_source,
                chapters=bundled.chapters,
                indicative=True,
                actor_label="bundled tariff",
            )
        if report.error_count:
            first = "; ".join(f"row {e.row}: {e.message}" for e in report.errors[:5])
            raise ApplicationError(
                f"{bundled.file} has {report.error_count} error(s): {first}",
                CustomsErrorCode.TARIFF_INVALID,
            )
        loaded += report.schedule.line_count if report.loaded else 0
    return loaded
