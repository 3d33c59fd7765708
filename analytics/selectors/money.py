"""Money: export value (GMV), what escrow took in, released, refunded and paid to customs,
what it holds at the end of the period, payouts, fees, and FX volume by currency pair."""

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..filters import Filters
from ..models import FxDay, MoneyDay
from ..tables import Column, Dashboard, Table, money
from .exports import _sources, _total

MEASURES = [
    ("paid_in", gettext_lazy("Paid into escrow")),
    ("released", gettext_lazy("Released to sellers")),
    ("refunded", gettext_lazy("Refunded to buyers")),
    ("duties", gettext_lazy("Duties paid to customs (DDP)")),
    ("payouts", gettext_lazy("Paid out to sellers' banks")),
    ("payouts_returned", gettext_lazy("Payouts returned by banks")),
    ("fees", gettext_lazy("Platform fees")),
]


def money_dashboard(filters: Filters) -> Dashboard:
    dims = filters.dimensions()
    period = MoneyDay.objects.filter(**filters.between("day", filters.date_from, filters.date_to))
    sums = {
        (row["measure"], row["currency"]): row["amount"]
        for row in period.values("measure", "currency").annotate(amount=Sum("amount_minor"))
    }
    held = dict(
        MoneyDay.objects.filter(measure="escrow_net", day__lte=filters.date_to, **dims)
        .values("currency")
        .annotate(amount=Sum("amount_minor"))
        .values_list("currency", "amount")
    )
    currencies = sorted({currency for _m, currency in sums} | set(held))
    flows = [
        (label, currency, sums.get((measure, currency), 0))
        for measure, label in MEASURES
        for currency in currencies
        if sums.get((measure, currency))
    ]
    by_month = (
        period.filter(measure="paid_in")
        .values("day__year", "day__month", "currency")
        .annotate(amount=Sum("amount_minor"))
        .order_by("day__year", "day__month", "currency")
    )
    pairs = (
        FxDay.objects.filter(day__gte=filters.date_from, day__lte=filters.date_to)
        .values("from_currency", "to_currency")
        .annotate(n=Sum("conversions"), sold=Sum("from_minor"), bought=Sum("to_minor"))
        .order_by("-sold", "from_currency", "to_currency")
    )
    gmv = _total(_sources(filters))["value"]
    return Dashboard(
        "money",
        _("Money"),
        [
            Table(
                "flows",
                _("Money through the hub in the period"),
                [
                    Column("flow", _("Flow")),
                    Column("currency", _("Currency")),
                    Column("amount", _("Amount"), "money"),
                ],
                flows,
                "none",
            ),
            Table(
                "escrow_held",
                _("Held in escrow at the end of the period"),
                [Column("currency", _("Currency")), Column("amount", _("Amount"), "money")],
                [(currency, held.get(currency, 0)) for currency in currencies],
                "bar",
                "currency",
                "amount",
            ),
            Table(
                "paid_in_by_month",
                _("Paid into escrow by month"),
                [
                    Column("month", _("Month")),
                    Column("currency", _("Currency")),
                    Column("amount", _("Amount"), "money"),
                ],
                [
                    (f"{r['day__year']}-{r['day__month']:02d}", r["currency"], r["amount"])
                    for r in by_month
                ],
                "bar",
                "month",
                "amount",
            ),
            Table(
                "fx_pairs",
                _("FX volume by currency pair"),
                [
                    Column("pair", _("Pair")),
                    Column("conversions", _("Conversions"), "int"),
                    Column("sold", _("Sold"), "money"),
                    Column("bought", _("Bought"), "money"),
                ],
                [
                    (f"{r['from_currency']}→{r['to_currency']}", r["n"], r["sold"], r["bought"])
                    for r in pairs
                ],
                "bar",
                "pair",
                "sold",
                note=_("Conversions are not split by hub, destination or sector."),
            ),
        ],
        headline=[
            (_("Export value, GMV (MYR)"), f"{money(gmv):,.2f}"),
            (_("Held in escrow (MYR)"), f"{money(held.get('MYR', 0)):,.2f}"),
            (_("Fees (MYR)"), f"{money(sums.get(('fees', 'MYR'), 0)):,.2f}"),
        ],
    )
