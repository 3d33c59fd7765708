"""SME participation: the funnel from onboarded to repeat exporter, the active and new
sellers of each month, and the share of export value from micro, small and medium sellers."""

from django.db.models import Count, Min, Sum
from django.utils.translation import gettext as _

from hubs.selectors import organizations_onboarded

from ..filters import Filters
from ..models import SellerMonth
from ..names import size_name
from ..tables import Column, Dashboard, Table, amount_text


def participation_dashboard(filters: Filters) -> Dashboard:
    counts = organizations_onboarded(
        until=filters.date_to, hub_code=filters.hub, sector=filters.sector
    )
    months = SellerMonth.objects.all()
    if filters.hub:
        months = months.filter(origin_hub=filters.hub)
    if filters.destination:
        months = months.filter(destination_country=filters.destination)
    if filters.sector:
        months = months.filter(sector=filters.sector)
    # every seller's record to the end of the period: its first month and how many orders
    sellers = (
        months.filter(month__lte=filters.date_to)
        .values("seller_id")
        .annotate(first=Min("month"), orders=Sum("orders"))
    )
    exporters = list(sellers)
    first_export = len(exporters)
    repeat = sum(1 for s in exporters if (s["orders"] or 0) >= 2)
    start = filters.date_from.replace(day=1)
    new_by_month: dict = {}
    for seller in exporters:
        if seller["first"] >= start:
            new_by_month[seller["first"]] = new_by_month.get(seller["first"], 0) + 1
    active = (
        months.filter(month__gte=start, month__lte=filters.date_to)
        .values("month")
        .annotate(active=Count("seller_id", distinct=True), value=Sum("value_myr_minor"))
        .order_by("month")
    )
    by_size = (
        months.filter(month__gte=start, month__lte=filters.date_to)
        .values("size")
        .annotate(value=Sum("value_myr_minor"), sellers=Count("seller_id", distinct=True))
        .order_by("-value", "size")
    )
    total = sum(row["value"] or 0 for row in by_size) or 1
    funnel = [
        (_("Onboarded"), counts["onboarded"]),
        (_("Approved to sell"), counts["approved"]),
        (_("First export"), first_export),
        (_("Repeat exporter (two orders or more)"), repeat),
    ]
    return Dashboard(
        "participation",
        _("SME participation"),
        [
            Table(
                "funnel",
                _("From onboarding to repeat exports"),
                [Column("stage", _("Stage")), Column("organisations", _("Organisations"), "int")],
                funnel,
                "bar",
                "stage",
                "organisations",
            ),
            Table(
                "active_sellers",
                _("Active sellers by month"),
                [
                    Column("month", _("Month")),
                    Column("active", _("Active sellers"), "int"),
                    Column("new", _("New sellers"), "int"),
                    Column("value", _("Export value (MYR)"), "money", currency="MYR"),
                ],
                [
                    (
                        row["month"].strftime("%Y-%m"),
                        row["active"],
                        new_by_month.get(row["month"], 0),
                        row["value"],
                    )
                    for row in active
                ],
                "line",
                "month",
                "active",
            ),
            Table(
                "by_size",
                _("Share of export value by seller size"),
                [
                    Column("size", _("Size"), names=size_name),
                    Column("sellers", _("Sellers"), "int"),
                    Column("value", _("Value (MYR)"), "money", currency="MYR"),
                    Column("share", _("Share"), "percent"),
                ],
                [
                    (row["size"], row["sellers"], row["value"], (row["value"] or 0) * 100 / total)
                    for row in by_size
                ],
                "bar",
                "size",
                "share",
            ),
        ],
        headline=[
            (_("Exporting SMEs"), f"{first_export:,}"),
            (_("Repeat exporters"), f"{repeat:,}"),
            (_("Export value in the period (MYR)"), amount_text(total if by_size else 0, "MYR")),
        ],
    )
