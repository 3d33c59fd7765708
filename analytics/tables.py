"""What every dashboard is made of: tables of figures, each drawn as a chart above it, each
downloadable as CSV or XLSX and served as JSON by the data API, from the same rows.

A row keeps what the rollups keep: codes and amounts in minor units. Its columns say how it
reads to a person: a code by its name in the reader's language, an amount in its currency.
Every money column names its currency (one for all rows, or a column naming each row's), so
that no figure adds up or compares amounts in different currencies."""

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook

from ewtp.common.money import money_from_minor

HOME_CURRENCY = "MYR"  # the zone's own: listed first wherever amounts are shown per currency


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str = "text"  # text, int, money (minor units → a decimal), minutes, percent
    currency: str = ""  # money: the currency of every row ("MYR")…
    currency_column: str = ""  # …or the column that names each row's currency
    names: Callable[[str], str] | None = None  # text: how a code in it reads to a person


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[tuple]
    chart: str = "bar"  # bar, line or none
    x: str = ""  # the column(s) along the chart's axis, comma-separated
    y: str = ""  # the column the bars or the line measure
    note: str = ""

    def __post_init__(self):
        names = [c.name for c in self.columns]
        for column in self.columns:
            if column.kind == "money" and not (column.currency or column.currency_column in names):
                raise ValueError(f"{self.key}.{column.name}: a money column names its currency")

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def cell(self, row: tuple, name: str):
        return row[[c.name for c in self.columns].index(name)]

    def currency(self, row: tuple, column: Column) -> str:
        """The currency of a money cell."""
        return column.currency or self.cell(row, column.currency_column)

    def display(self, row: tuple, name: str) -> str:
        """One cell as the page shows it."""
        column = self.column(name)
        return _display(self.cell(row, name), column, self._currency(row, column))

    def display_rows(self) -> list[list[str]]:
        return [self._each(row, _display) for row in self.rows]

    def display_cells(self) -> list[list[tuple[str, bool]]]:
        """Each row's shown values, each with whether it is a figure (aligned right)."""
        figures = [column.kind != "text" for column in self.columns]
        return [list(zip(row, figures, strict=True)) for row in self.display_rows()]

    def headers(self) -> list[str]:
        return [str(c.label) for c in self.columns]  # a lazy label is no cell value

    def as_json(self) -> dict:
        """Codes as the rollups keep them, amounts as decimal strings in their currency."""
        return {
            "key": self.key,
            "title": str(self.title),
            "columns": [
                {"name": c.name, "label": str(c.label), "kind": c.kind, **_currency_json(c)}
                for c in self.columns
            ],
            "rows": [
                dict(zip([c.name for c in self.columns], self._each(row, _plain), strict=True))
                for row in self.rows
            ],
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.headers())
        for row in self.rows:
            writer.writerow(self._each(row, _plain, named=True))
        return out.getvalue()

    def as_xlsx(self) -> bytes:
        book = Workbook()
        sheet = book.active
        sheet.title = self.key[:31]
        sheet.append(self.headers())
        for row in self.rows:
            sheet.append(self._each(row, _cell, named=True))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def _currency(self, row: tuple, column: Column) -> str:
        return self.currency(row, column) if column.kind == "money" else ""

    def _each(self, row: tuple, convert, named: bool = False) -> list:
        """Every cell of ``row`` through ``convert``; ``named``: codes by their names."""
        return [
            column.names(value)
            if named and column.names and value is not None
            else convert(value, column, self._currency(row, column))
            for value, column in zip(row, self.columns, strict=True)
        ]


@dataclass
class Dashboard:
    key: str
    title: str
    tables: list[Table]
    headline: list[tuple[str, str]] = field(default_factory=list)  # (label, figure)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def amount(minor, currency: str) -> Decimal:
    """An amount in minor units as a decimal of its currency (ISO 4217 minor units)."""
    return money_from_minor(int(minor or 0), currency).amount


def amount_text(minor, currency: str) -> str:
    return f"{amount(minor, currency):,}"


def with_currency(label, currency: str) -> str:
    """A label and the currency its figures are in: "Held in escrow (CNY)"."""
    return _("%(label)s (%(currency)s)") % {"label": label, "currency": currency}


def currencies_ordered(codes) -> list[str]:
    return sorted(set(codes), key=lambda code: (code != HOME_CURRENCY, code))


def per_currency(label, totals: Mapping[str, int]) -> list[tuple[str, str]]:
    """Headline figures of an amount in several currencies: one per currency in ``totals``
    (a zero too: "none left in ringgit" is news), each labelled with its currency, never one
    sum of different currencies; a single zero when there is money in none."""
    if not totals:
        return [(str(label), "0")]
    return [
        (with_currency(label, c), amount_text(totals[c], c)) for c in currencies_ordered(totals)
    ]


def _currency_json(column: Column) -> dict:
    if column.kind != "money":
        return {}
    if column.currency:
        return {"currency": column.currency}
    return {"currency_column": column.currency_column}


def _plain(value, column: Column, currency: str):
    if value is None:
        return None
    if column.kind == "money":
        return str(amount(value, currency))
    if column.kind in ("minutes", "percent"):
        return str(Decimal(value).quantize(Decimal("0.1")))
    if column.kind == "int":
        return int(value)
    return str(value)


def _cell(value, column: Column, currency: str):
    if value is None:
        return None
    if column.kind == "money":
        return amount(value, currency)
    if column.kind in ("minutes", "percent"):
        return float(Decimal(value).quantize(Decimal("0.1")))
    if column.kind == "int":
        return int(value)
    return str(value)


def _display(value, column: Column, currency: str) -> str:
    if value is None:
        return "—"
    if column.kind == "money":
        return amount_text(value, currency)
    if column.kind == "int":
        return f"{int(value):,}"
    if column.kind == "minutes":
        return minutes_text(float(value))
    if column.kind == "percent":
        return f"{Decimal(value).quantize(Decimal('0.1'))} %"
    return column.names(value) if column.names else str(value)


def minutes_text(minutes: float) -> str:
    """A duration as a person reads it: 45 min, 3.5 h, 2.1 d (the units in their words)."""
    if minutes < 90:
        return _("%(n)s min") % {"n": f"{minutes:.0f}"}
    if minutes < 48 * 60:
        return _("%(n)s h") % {"n": f"{minutes / 60:.1f}"}
    return _("%(n)s d") % {"n": f"{minutes / 1440:.1f}"}
