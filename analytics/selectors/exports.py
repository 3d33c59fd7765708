"""Exports: value and volume by month, destination, HS chapter and sector; the top products;
growth against the period before."""

from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from hubs.models import HsCode

from ..filters import Filters
from ..models import ExportDay, ProductMonth
from ..tables import Column, Dashboard, Table, money

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
        Column("value", _("Value (MYR)"), "money"),
        Column("value_usd", _("Value (USD)"), "money"),
        Column("orders", _("Orders"), "int"),
        Column("quantity", _("Units"), "int"),
        Column("kg", _("Weight (kg)"), "int"),
    ]


def _rows(queryset, field: str, order: str = "-value") -> list[tuple]:
    rows = queryset.values(field).annotate(**MEASURES).order_by(order, field)
    return [
        (
            r[field],
            r["value"],
            r["value_usd"],
            r["orders"],
            r["quantity"],
            (r["weight_g"] or 0) // 1000,
        )
        for r in rows
    ]


def exports_dashboard(filters: Filters) -> Dashboard:
    days = ExportDay.objects.filter(**filters.rollup())
    by_month = [
        (row[0].strftime("%Y-%m"), *row[1:])
        for row in _rows(days.annotate(month=TruncMonth("day")), "month", "month")
    ]
    chapters = _rows(days, "hs_chapter")
    names = dict(
        HsCode.objects.filter(code__in=[r[0] for r in chapters]).values_list("code", "description")
    )
    chapters = [(f"{code} {names.get(code, '')[:60]}".strip(), *rest) for code, *rest in chapters]
    now = days.aggregate(**MEASURES)
    before = ExportDay.objects.filter(**filters.previous().rollup()).aggregate(**MEASURES)
    return Dashboard(
        "exports",
        _("Exports"),
        [
            _table("by_month", _("By month"), "month", _("Month"), by_month, "line"),
            _table(
                "by_destination",
                _("By destination country"),
                "destination_country",
                _("Destination"),
                _rows(days, "destination_country"),
            ),
            _table("by_chapter", _("By HS chapter"), "hs_chapter", _("HS chapter"), chapters),
            _table("by_sector", _("By sector"), "sector", _("Sector"), _rows(days, "sector")),
            _top_products(filters),
        ],
        headline=[
            (_("Export value (MYR)"), f"{money(now['value']):,.2f}"),
            (_("Orders"), f"{now['orders'] or 0:,}"),
            (_("Growth against the period before"), _growth(now["value"], before["value"])),
        ],
    )


def _table(key, title, first, first_label, rows, chart="bar") -> Table:
    return Table(key, title, _columns(Column(first, first_label)), rows, chart, first, "value")


def _growth(now, before) -> str:
    if not before:
        return "—"
    change = (Decimal(now or 0) - before) * 100 / before
    return f"{change:+.1f} %"


def _top_products(filters: Filters, limit: int = 10) -> Table:
    months = ProductMonth.objects.filter(
        month__gte=filters.date_from.replace(day=1), month__lte=filters.date_to
    )
    if filters.hub:
        months = months.filter(origin_hub=filters.hub)
    if filters.destination:
        months = months.filter(destination_country=filters.destination)
    if filters.sector:
        months = months.filter(sector=filters.sector)
    rows = (
        months.values("product_id", "title", "hs_code")
        .annotate(value=Sum("value_myr_minor"), quantity=Sum("quantity"))
        .order_by("-value", "product_id")[:limit]
    )
    return Table(
        "top_products",
        _("Top products"),
        [
            Column("title", _("Product")),
            Column("hs_code", _("HS code")),
            Column("value", _("Value (MYR)"), "money"),
            Column("quantity", _("Units"), "int"),
        ],
        [(r["title"], r["hs_code"], r["value"], r["quantity"]) for r in rows],
        "bar",
        "title",
        "value",
        note=_("By whole months: a period that starts mid-month counts that month."),
    )
