"""Loading the tariff from CSV: tariff lines, preferential rates and regime parameters. Each
file is checked whole first (every bad row is reported with its number, nothing is loaded);
a row already loaded for the same key and date is updated, so a corrected file can be
loaded again."""

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from ewtp.common.errors import ApplicationError

from ..models import PreferentialRate, RegimeParameter, TariffLine

DATA = Path(__file__).resolve().parent.parent / "data"
MAX_ROWS = 200_000
NUMERIC_PARAMETERS = {
    "de_minimis_cif",
    "lvg_threshold",
    "lvg_rate_percent",
    "cbec_single_limit",
    "cbec_annual_limit",
    "cbec_tax_ratio_percent",
}


def _rows(text: str, columns: set[str]) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as error:
        raise ApplicationError(f"Not a readable CSV file: {error}.", "tariff_invalid") from None
    missing = columns - set(fieldnames)
    if missing:
        raise ApplicationError(
            f"Missing column(s): {', '.join(sorted(missing))}.",
            "tariff_invalid",
            extra={"field": "file"},
        )
    try:
        rows = [(line, row) for line, row in enumerate(reader, start=2)]
    except csv.Error as error:
        raise ApplicationError(f"Not a readable CSV file: {error}.", "tariff_invalid") from None
    if len(rows) > MAX_ROWS:
        raise ApplicationError(f"At most {MAX_ROWS:,} rows per file.", "tariff_invalid")
    return rows


def _decimal(text, maximum=Decimal("9999.99")) -> Decimal:
    value = Decimal((text or "0").strip() or "0")
    if not value.is_finite() or value < 0 or value > maximum:
        raise InvalidOperation
    return value


def _common(row) -> dict:
    hs = (row["hs_code"] or "").strip()
    country = (row["country"] or "").strip().upper()
    if not (hs.isascii() and hs.isdigit() and 6 <= len(hs) <= 10):
        raise ValueError(f"HS code {hs!r} is 6 to 10 digits.")
    if len(country) != 2 or not country.isalpha():
        raise ValueError(f"country {country!r} is an ISO code such as MY.")
    if not (row["legal_source"] or "").strip():
        raise ValueError("every rate names its legal source.")
    return {
        "country": country,
        "hs_code": hs,
        "effective_from": date.fromisoformat((row["effective_from"] or "").strip()),
        "legal_source": row["legal_source"].strip()[:200],
    }


def _tariff_row(row) -> tuple[dict, dict]:
    key = _common(row)
    unit = (row["duty_specific_unit"] or "kg").strip() or "kg"
    if unit not in TariffLine.SpecificUnit.values:
        raise ValueError("duty_specific_unit is kg or unit.")
    values = {
        "description": (row["description"] or "").strip()[:200],
        "duty_percent": _decimal(row["duty_percent"]),
        "duty_specific": _decimal(row["duty_specific"]),
        "duty_specific_unit": unit,
        "sales_tax_percent": _decimal(row["sales_tax_percent"], Decimal(100)),
        "excise_percent": _decimal(row["excise_percent"], Decimal("99.99")),
        "prohibited": (row["prohibited"] or "").strip().lower() in ("yes", "true", "1"),
        "permit_required": (row["permit_required"] or "").strip()[:200],
    }
    values["legal_source"] = key.pop("legal_source")
    return key, values


def _load(text: str, columns: set[str], parse, model, key_fields) -> int:
    parsed, errors = [], []
    for line, row in _rows(text, columns):
        try:
            parsed.append(parse(row))
        except (ValueError, TypeError, AttributeError, ArithmeticError) as error:
            detail = str(error) if isinstance(error, ValueError) else "a number is wrong"
            errors.append(f"Row {line}: {detail or 'a number is wrong'}")
    if errors:
        raise ApplicationError(
            "Nothing was loaded. " + " ".join(errors[:20]),
            "tariff_invalid",
            extra={"field": "file"},
        )
    with transaction.atomic():
        for key, values in parsed:
            model.objects.update_or_create(**{k: key[k] for k in key_fields}, defaults=values)
    return len(parsed)


TARIFF_COLUMNS = {
    "country",
    "hs_code",
    "description",
    "effective_from",
    "duty_percent",
    "duty_specific",
    "duty_specific_unit",
    "sales_tax_percent",
    "excise_percent",
    "prohibited",
    "permit_required",
    "legal_source",
}


def tariff_load(*, text: str) -> int:
    return _load(
        text, TARIFF_COLUMNS, _tariff_row, TariffLine, ("country", "hs_code", "effective_from")
    )


def _preferential_row(row) -> tuple[dict, dict]:
    key = _common(row)
    agreement = (row["agreement"] or "").strip().upper()
    if agreement not in PreferentialRate.Agreement.values:
        raise ValueError(f"agreement {agreement!r} is not known (ACFTA).")
    origins = " ".join((row["origin_countries"] or "").upper().split())
    if not origins:
        raise ValueError("name the partner countries whose goods qualify.")
    key["agreement"] = agreement
    return key, {
        "origin_countries": origins[:200],
        "duty_percent": _decimal(row["duty_percent"]),
        "legal_source": key.pop("legal_source"),
    }


def preferential_load(*, text: str) -> int:
    return _load(
        text,
        {
            "country",
            "hs_code",
            "agreement",
            "origin_countries",
            "duty_percent",
            "effective_from",
            "legal_source",
        },
        _preferential_row,
        PreferentialRate,
        ("country", "hs_code", "agreement", "effective_from"),
    )


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
    return _load(
        text,
        {"country", "name", "value", "effective_from", "legal_source"},
        _parameter_row,
        RegimeParameter,
        ("country", "name", "effective_from"),
    )


def tariff_load_bundled() -> int:
    """The regime parameters and the demo tariff shipped in customs/data."""
    return (
        regime_parameters_load(text=(DATA / "regime-parameters.csv").read_text(encoding="utf-8"))
        + tariff_load(text=(DATA / "tariff-demo.csv").read_text(encoding="utf-8"))
        + preferential_load(text=(DATA / "preferential-demo.csv").read_text(encoding="utf-8"))
    )
