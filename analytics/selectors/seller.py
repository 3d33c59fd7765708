"""The seller's own insights: its sales by destination and month, its clearance and transit
times against the median of its hub, and the fees and FX margin it paid."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from django.db.models import Sum
from django.utils.translation import gettext as _

from hubs.models import Organization
from payments.selectors import settlements_of_period

from ..filters import Filters
from ..models import SellerMonth, TradeFact
from ..names import country_name
from ..stages import STAGES
from ..tables import Column, Dashboard, Table
from .clearance import _histogram_rows, _summaries

SELLER_STAGES = ("export_assessment", "export_floor", "flight", "import_total", "door_to_door")


def seller_insights(organization: Organization, filters: Filters) -> Dashboard:
    months = (
        SellerMonth.objects.filter(
            seller_id=organization.pk,
            month__gte=filters.date_from.replace(day=1),
            month__lte=filters.date_to,
        )
        .values("month", "destination_country")
        .annotate(orders=Sum("orders"), value=Sum("value_myr_minor"))
        .order_by("month", "destination_country")
    )
    return Dashboard(
        "insights",
        _("Your exports"),
        [
            Table(
                "sales",
                _("Sales by month and destination"),
                [
                    Column("month", _("Month")),
                    Column("destination", _("Destination"), names=country_name),
                    Column("orders", _("Orders"), "int"),
                    Column("value", _("Value (MYR)"), "money", currency="MYR"),
                ],
                [
                    (
                        r["month"].strftime("%Y-%m"),
                        r["destination_country"],
                        r["orders"],
                        r["value"],
                    )
                    for r in months
                ],
                "bar",
                "month,destination",
                "value",
            ),
            _times(organization, filters),
            _fees(organization, filters),
        ],
    )


def _times(organization: Organization, filters: Filters) -> Table:
    """The seller's median per stage next to its hub's (every seller shipping from it)."""
    own: dict = defaultdict(list)
    facts = TradeFact.objects.filter(
        seller_id=organization.pk,
        line_no=1,
        shipped_on__gte=filters.date_from,
        shipped_on__lte=filters.date_to,
    ).only(*{field for stage in STAGES for field in (stage.start, stage.end)})
    stages = [stage for stage in STAGES if stage.name in SELLER_STAGES]
    for fact in facts:
        for stage in stages:
            start, end = getattr(fact, stage.start), getattr(fact, stage.end)
            if start and end:
                own[stage.name].append(max((end - start).total_seconds() / 60, 0))
    hub = Filters(filters.date_from, filters.date_to, organization.home_hub.code)
    hub_times = _summaries(_histogram_rows(hub, "lane", "stage"), ("stage",))
    return Table(
        "times",
        _("Your clearance and transit times against your hub's"),
        [
            Column("stage", _("Stage")),
            Column("yours", _("Your median"), "minutes"),
            Column("hub", _("Hub median"), "minutes"),
            Column("consignments", _("Your consignments"), "int"),
        ],
        [
            (
                stage.label,
                median(own[stage.name]) if own[stage.name] else None,
                hub_times[(stage.name,)][0] if (stage.name,) in hub_times else None,
                len(own[stage.name]),
            )
            for stage in stages
        ],
        "none",
    )


def _fees(organization: Organization, filters: Filters) -> Table:
    settlements = settlements_of_period(
        organization=organization, first_day=filters.date_from, last_day=filters.date_to
    )
    totals: dict = defaultdict(lambda: [0, 0, 0, 0])  # settlements, gross, fee, FX margin
    for settlement in settlements:
        total = totals[settlement.currency]
        total[0] += 1
        total[1] += settlement.gross_minor
        total[2] += settlement.fee_minor
        conversion = settlement.conversion
        if conversion is not None:  # the margin: the market rate's amount less what was paid
            at_market = (Decimal(conversion.from_minor) * conversion.market_rate).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
            total[3] += int(at_market) - conversion.to_minor
    return Table(
        "fees",
        _("Fees and FX margin you paid"),
        [
            Column("currency", _("Currency")),
            Column("settlements", _("Settlements"), "int"),
            Column("gross", _("Gross"), "money", currency_column="currency"),
            Column("fees", _("Platform fees"), "money", currency_column="currency"),
            Column("fx", _("FX margin"), "money", currency_column="currency"),
        ],
        [(currency, *figures) for currency, figures in sorted(totals.items())],
        "none",
    )
