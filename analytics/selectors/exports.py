"""Exports: value and volume by month, destination, HS chapter and sector; the top products;
growth against the period before."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from ..filters import Filters
from ..models import ExportDay, ExportMonth, ProductMonth
from ..names import chapter_name, country_name, sector_name
from ..tables import Column, Dashboard, Table, amount_text

MEASURES = {
    "value": Sum("value_myr_minor"),
    "value_usd": Sum("value_usd_minor"),
    "orders": Sum("orders"),
    "quantity": Sum("quantity"),
    "weight_g": Sum("weight_g"),
}


def _columns(first: Column) -> list[Column]:
    return [
        first,
        Column("value", _("Value (MYR)"), "money", currency="MYR"),
        Column("value_usd", _("Value (USD)"), "money", currency="USD"),
        Column("orders", _("Orders"), "int"),
        Column("quantity", _("Units"), "int"),
        Column("kg", _("Weight (kg)"), "int"),
    ]


def _sources(filters: Filters) -> list:
    """The rollup rows of the period: whole months from the monthly rollup, the days at
    either end from the daily one (both have the same measures)."""
    months, days = filters.split()
    sources = []
    if months:
        sources.append(ExportMonth.objects.filter(**filters.between("month", *months)))
    sources += [ExportDay.objects.filter(**filters.between("day", *span)) for span in days]
    return sources


def _grouped(source, field: str):
    if field == "month" and source.model is ExportDay:
        return source.annotate(month=TruncMonth("day")).values("month")
    return source.values(field)


def _rows(sources, field: str) -> list[tuple]:
    """Sums per ``field`` over every source: by month in order, else biggest value first."""
    totals: dict = defaultdict(lambda: defaultdict(int))
    for source in sources:
        for row in _grouped(source, field).annotate(**MEASURES).order_by():
            total = totals[row[field]]
            for name in MEASURES:
                total[name] += row[name] or 0
    if field == "month":
        ordered = sorted(totals.items(), key=lambda item: item[0])
    else:
        ordered = sorted(totals.items(), key=lambda item: (-item[1]["value"], item[0]))
    return [
        (key, t["value"], t["value_usd"], t["orders"], t["quantity"], t["weight_g"] // 1000)
        for key, t in ordered
    ]


def _total(sources) -> dict:
    total: dict = defaultdict(int)
    for source in sources:
        for name, value in source.aggregate(**MEASURES).items():
            total[name] += value or 0
    return total


def exports_dashboard(filters: Filters) -> Dashboard:
    sources = _sources(filters)
    by_month = [(month.strftime("%Y-%m"), *rest) for month, *rest in _rows(sources, "month")]
    now = _total(sources)
    before = _total(_sources(filters.previous()))
    return Dashboard(
        "exports",
        _("Exports"),
        [
            _table("by_month", _("Exports by month"), Column("month", _("Month")), by_month),
            _table(
                "by_destination",
                _("Exports by destination country"),
                Column("destination_country", _("Destination"), names=country_name),
                _rows(sources, "destination_country"),
            ),
            _table(
                "by_chapter",
                _("Exports by HS chapter"),
                Column("hs_chapter", _("HS chapter"), names=chapter_name),
                _rows(sources, "hs_chapter"),
            ),
            _table(
                "by_sector",
                _("Exports by sector"),
                Column("sector", _("Sector"), names=sector_name),
                _rows(sources, "sector"),
            ),
            _top_products(filters),
        ],
        headline=[
            # every sale counted at its value in ringgit on the day (and in dollars): one
            # currency, not a sum of the currencies the sellers priced in
            (_("Export value (MYR)"), amount_text(now["value"], "MYR")),
            (_("Orders"), f"{now['orders'] or 0:,}"),
            (_("Growth against the period before"), _growth(now["value"], before["value"])),
        ],
    )


def _table(key, title, first: Column, rows) -> Table:
    chart = "line" if first.name == "month" else "bar"
    return Table(key, title, _columns(first), rows, chart, first.name, "value")


def _growth(now, before) -> str:
    if not before:
        return "—"
    change = (Decimal(now or 0) - before) * 100 / before
    return f"{change:+.1f} %"


def _top_products(filters: Filters, limit: int = 10) -> Table:
    months = ProductMonth.objects.filter(**filters.months())
    rows = (
        months.values("product_id", "title", "hs_code")
        .annotate(value=Sum("value_myr_minor"), quantity=Sum("quantity"))
        .order_by("-value", "product_id")[:limit]
    )
    return Table(
        "top_products",
        _("Top products by value"),
        [
            Column("title", _("Product")),
            Column("hs_code", _("HS code")),
            Column("value", _("Value (MYR)"), "money", currency="MYR"),
            Column("quantity", _("Units"), "int"),
        ],
        [(r["title"], r["hs_code"], r["value"], r["quantity"]) for r in rows],
        "bar",
        "title",
        "value",
        note=_("By whole months: a period that starts mid-month counts that month."),
    )
