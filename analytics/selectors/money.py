"""Money: export value (GMV), what escrow took in, released, refunded and paid to customs,
what it holds at the end of the period, payouts, fees, and FX volume by currency pair. Each
amount in its own currency: what escrow holds in ringgit and in yuan are two figures."""

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..filters import Filters
from ..models import FxDay, MoneyDay
from ..tables import Column, Dashboard, Table, amount_text, currencies_ordered, per_currency
from .exports import _sources, _total

MEASURES = [
    ("paid_in", gettext_lazy("Paid into escrow")),
    ("released", gettext_lazy("Released to sellers")),
    ("refunded", gettext_lazy("Refunded to buyers")),
    ("duties", gettext_lazy("Duties paid to customs (DDP)")),
    ("payouts", gettext_lazy("Paid out to sellers' banks")),
    ("payouts_returned", gettext_lazy("Payouts returned by banks")),
    ("fees", gettext_lazy("Platform fees")),
    ("hub_charges", gettext_lazy("Shipping and insurance charged by the hubs")),
]


def _amounts() -> list[Column]:
    """A currency and an amount in it: each row's figure in its own currency."""
    return [
        Column("currency", _("Currency")),
        Column("amount", _("Amount"), "money", currency_column="currency"),
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
    currencies = currencies_ordered({currency for _m, currency in sums} | set(held))
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
        .order_by("-n", "from_currency", "to_currency")
    )
    gmv = _total(_sources(filters))["value"]
    return Dashboard(
        "money",
        _("Money"),
        [
            Table(
                "flows",
                _("Money through the hub in the period"),
                [Column("flow", _("Flow")), *_amounts()],
                flows,
                "none",
            ),
            Table(
                "escrow_held",
                _("Held in escrow at the end of the period"),
                _amounts(),
                [(currency, held.get(currency, 0)) for currency in currencies],
                "none",  # one figure per currency: amounts in different ones are not compared
            ),
            Table(
                "paid_in_by_month",
                _("Paid into escrow by month"),
                [Column("month", _("Month")), *_amounts()],
                [
                    (f"{r['day__year']}-{r['day__month']:02d}", r["currency"], r["amount"])
                    for r in by_month
                ],
                "line",  # one line per currency
                "month",
                "amount",
            ),
            Table(
                "fx_pairs",
                _("FX conversions by currency pair"),
                [
                    Column("sold_currency", _("Currency sold")),
                    Column("bought_currency", _("Currency bought")),
                    Column("conversions", _("Conversions"), "int"),
                    Column("sold", _("Amount sold"), "money", currency_column="sold_currency"),
                    Column(
                        "bought", _("Amount bought"), "money", currency_column="bought_currency"
                    ),
                ],
                [
                    (r["from_currency"], r["to_currency"], r["n"], r["sold"], r["bought"])
                    for r in pairs
                ],
                "bar",
                "sold_currency,bought_currency",
                "conversions",
                note=_("Conversions are not split by hub, destination or sector."),
            ),
        ],
        headline=[
            # every sale at its value in ringgit on the day: one currency, not a sum of several
            (_("Export value, GMV (MYR)"), amount_text(gmv, "MYR")),
            *per_currency(_("Held in escrow"), {c: held.get(c, 0) for c in currencies}),
            *per_currency(_("Fees"), {c: a for (m, c), a in sums.items() if m == "fees"}),
        ],
    )
