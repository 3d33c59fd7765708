"""Tariff schedule files for the tests and the bench: a whole chapter of national lines, as
a national schedule would give it, written to CSV in the format of customs/data/SOURCE.md."""

import csv
import io

from customs.selectors import tariff_nomenclature
from customs.services.tariff_schedule_rows import COLUMNS


def national_line(country: str, code: str, **changes) -> dict:
    line = {
        "country": country,
        "hs_code": code,
        "description": f"Goods of national line {code}",
        "quantity_unit": "u",
        "effective_from": "2024-01-01",
        "effective_to": "",
        "duty_percent": "5",
        "duty_specific": "0",
        "duty_specific_unit": "kg",
        "sales_tax_percent": "10",
        "excise_percent": "0",
        "prohibited": "no",
        "permit_required": "",
        "preferential": "",
        "legal_source": "Customs Duties Order 2022",
    }
    return line | changes


def chapter_lines(chapter: str, country: str = "MY", **changes) -> list[dict]:
    """Two 8-digit national lines (…10 and …90) for every HS 2022 subheading of the chapter."""
    subheadings = sorted(s for s in tariff_nomenclature().subheadings if s.startswith(chapter))
    return [
        national_line(country, subheading + suffix, **changes)
        for subheading in subheadings
        for suffix in ("10", "90")
    ]


def schedule_file(lines: list[dict], columns=COLUMNS) -> io.BytesIO:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)
    return io.BytesIO(out.getvalue().encode())
