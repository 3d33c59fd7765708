"""Credit: the lines the partner banks have lent through the hub, how much of them is used,
and what is overdue, by the score band each line was granted on and the line's currency."""

from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from payments.models import CreditApplication, Instalment, Loan
from payments.selectors import instalments_principal_owed

from ..filters import Filters
from ..tables import Column, Dashboard, Table, per_currency


def credit_dashboard(filters: Filters) -> Dashboard:
    loans = Loan.objects.filter(drawn_on__lte=filters.date_to).filter(
        Q(status=Loan.Status.ACTIVE) | Q(repaid_at__date__gte=filters.date_from)
    )
    applications = CreditApplication.objects.filter(
        created_at__date__gte=filters.date_from, created_at__date__lte=filters.date_to
    )
    if filters.hub:
        loans = loans.filter(organization__home_hub__code=filters.hub)
        applications = applications.filter(organization__home_hub__code=filters.hub)
    if filters.sector:
        loans = loans.filter(organization__sector=filters.sector)
        applications = applications.filter(organization__sector=filters.sector)
    # by band and currency: a line is lent in one currency, and lines in two are not added
    lent = (
        loans.values("application__score__band", "currency")
        .annotate(lines=Count("id"), principal=Sum("principal_minor"))
        .order_by("application__score__band", "currency")
    )
    owing = {
        (row["loan__application__score__band"], row["loan__currency"]): row
        for row in Instalment.objects.filter(loan__in=loans)
        .values("loan__application__score__band", "loan__currency")
        .annotate(
            owed=instalments_principal_owed(),
            overdue=Count("id", filter=Q(status=Instalment.Status.OVERDUE)),
        )
    }
    decisions = defaultdict(lambda: defaultdict(int))
    for row in applications.values("score__band", "status").annotate(n=Count("id")):
        decisions[row["score__band"]][row["status"]] += row["n"]
    rows = []
    lent_per_currency: dict = defaultdict(int)
    for row in lent:
        band, currency = row["application__score__band"], row["currency"]
        owed = owing.get((band, currency), {})
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
    automatic = applications.filter(decided_by="automatic").count()
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
                    for band, counts in sorted(decisions.items())
                ],
                "none",
            ),
        ],
        headline=[
            (_("Lines"), f"{sum(r[2] for r in rows):,}"),
            *per_currency(_("Lent"), lent_per_currency),
            (_("Decided at once"), f"{automatic:,}"),
        ],
    )
