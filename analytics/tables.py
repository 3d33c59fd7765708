"""What every dashboard is made of: tables of figures, each drawn as a chart above it, each
downloadable as CSV or XLSX and served as JSON by the data API, from the same rows."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str = "text"  # text, int, money (minor units → a decimal), minutes, percent


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[tuple]
    chart: str = "bar"  # bar, line or none
    x: str = ""  # the column along the chart's axis
    y: str = ""  # the column the bars or the line measure
    note: str = ""

    def cell(self, row: tuple, name: str):
        return row[[c.name for c in self.columns].index(name)]

    def display_rows(self) -> list[list[str]]:
        return [
            [_display(value, column.kind) for value, column in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def display_cells(self) -> list[list[tuple[str, bool]]]:
        """Each row's shown values, each with whether it is a figure (aligned right)."""
        figures = [column.kind != "text" for column in self.columns]
        return [list(zip(row, figures, strict=True)) for row in self.display_rows()]

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "columns": [{"name": c.name, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [
                {c.name: _plain(value, c.kind) for value, c in zip(row, self.columns, strict=True)}
                for row in self.rows
            ],
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.label for c in self.columns])
        for row in self.rows:
            writer.writerow([_plain(v, c.kind) for v, c in zip(row, self.columns, strict=True)])
        return out.getvalue()

    def as_xlsx(self) -> bytes:
        book = Workbook()
        sheet = book.active
        sheet.title = self.key[:31]
        sheet.append([str(c.label) for c in self.columns])  # a lazy label is no cell value
        for row in self.rows:
            sheet.append([_cell(v, c.kind) for v, c in zip(row, self.columns, strict=True)])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


@dataclass
class Dashboard:
    key: str
    title: str
    tables: list[Table]
    headline: list[tuple[str, str]] = field(default_factory=list)  # (label, figure)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def money(minor) -> Decimal:
    """MYR (or USD) minor units as an amount: every money column is in minor units."""
    return (Decimal(minor or 0) / 100).quantize(Decimal("0.01"))


def _plain(value, kind: str):
    if value is None:
        return None
    if kind == "money":
        return str(money(value))
    if kind in ("minutes", "percent"):
        return str(Decimal(value).quantize(Decimal("0.1")))
    if kind == "int":
        return int(value)
    return str(value)


def _cell(value, kind: str):
    if value is None:
        return None
    if kind == "money":
        return money(value)
    if kind in ("minutes", "percent"):
        return float(Decimal(value).quantize(Decimal("0.1")))
    if kind == "int":
        return int(value)
    return str(value)


def _display(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "money":
        return f"{money(value):,.2f}"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "minutes":
        return minutes_text(float(value))
    if kind == "percent":
        return f"{Decimal(value).quantize(Decimal('0.1'))} %"
    return str(value)


def minutes_text(minutes: float) -> str:
    """A duration as a person reads it: 45 min, 3.5 h, 2.1 d."""
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"
