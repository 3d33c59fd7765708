"""Credit: the lines the partner banks have lent through the hub, how much of them is used,
and what is overdue, by the score band each line was granted on and the line's currency."""

from collections import defaultdict

from django.utils.translation import gettext as _

from payments.selectors import credit_lines_by_band

from ..filters import Filters
from ..tables import Column, Dashboard, Table, per_currency


def credit_dashboard(filters: Filters) -> Dashboard:
    credit = credit_lines_by_band(
        first_day=filters.date_from,
        last_day=filters.date_to,
        hub_code=filters.hub,
        sector=filters.sector,
    )
    rows = []
    lent_per_currency: dict = defaultdict(int)
    for row in credit["lent"]:
        band, currency = row["band"], row["currency"]
        owed = credit["owing"].get((band, currency), {})
        used = max(owed.get("owed") or 0, 0)
        lent_per_currency[currency] += row["principal"] or 0
        rows.append(
            (
                band,
                currency,
                row["lines"],
                row["principal"] or 0,
                used,
                used * 100 / row["principal"] if row["principal"] else None,
                owed.get("overdue", 0),
            )
        )
    return Dashboard(
        "credit",
        _("Credit"),
        [
            Table(
                "by_band",
                _("Lines by score band"),
                [
                    Column("band", _("Band")),
                    Column("currency", _("Currency")),
                    Column("lines", _("Lines"), "int"),
                    Column("principal", _("Lent"), "money", currency_column="currency"),
                    Column("owed", _("Principal owed"), "money", currency_column="currency"),
                    Column("utilisation", _("Utilisation"), "percent"),
                    Column("overdue", _("Overdue instalments"), "int"),
                ],
                rows,
                "bar",
                "band,currency",
                "lines",
            ),
            Table(
                "applications",
                _("Applications in the period by band and outcome"),
                [
                    Column("band", _("Band")),
                    Column("approved", _("Approved or drawn"), "int"),
                    Column("pending", _("Waiting for the bank"), "int"),
                    Column("declined", _("Declined"), "int"),
                ],
                [
                    (
                        band,
                        counts["approved"] + counts["drawn"],
                        counts["pending"],
                        counts["declined"],
                    )
                    for band, counts in sorted(credit["decisions"].items())
                ],
                "none",
            ),
        ],
        headline=[
            (_("Lines"), f"{sum(r[2] for r in rows):,}"),
            *per_currency(_("Lent"), lent_per_currency),
            (_("Decided at once"), f"{credit['automatic']:,}"),
        ],
    )
