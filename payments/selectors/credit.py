"""Reads of trade credit: scores, applications, loans, instalments, the portfolio."""

from collections import defaultdict

from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Greatest

from ..models import (
    CreditApplication,
    CreditScore,
    Instalment,
    Loan,
)


def instalments_principal_owed(prefix: str = "") -> Sum:
    """The principal still owed on unpaid instalments (``prefix``: the path from the
    queried model, e.g. "instalments__"). What is paid of an instalment meets its interest
    first, then its principal."""

    def field(name):
        return F(f"{prefix}{name}")

    return Sum(
        field("principal_minor")
        - Greatest(field("paid_minor") - field("interest_minor"), Value(0)),
        filter=~Q(**{f"{prefix}status": Instalment.Status.PAID}),
    )


def credit_portfolio(*, limit: int = 500) -> dict:
    """Every line for the officers: loans with what is owed (in all, and of principal) and
    their overdue instalments, the open applications, and the active totals. Four queries."""
    unpaid = ~Q(instalments__status=Instalment.Status.PAID)
    loans = list(
        Loan.objects.select_related("organization", "bank__application", "application__score")
        .annotate(
            owed=Sum(
                F("instalments__principal_minor")
                + F("instalments__interest_minor")
                - F("instalments__paid_minor"),
                filter=unpaid,
            ),
            principal_owed=instalments_principal_owed("instalments__"),
            overdue=Count("instalments", filter=Q(instalments__status="overdue")),
        )
        .order_by("-status", "-created_at")[:limit]
    )
    pending = CreditApplication.objects.filter(
        status__in=[CreditApplication.Status.PENDING, CreditApplication.Status.APPROVED]
    ).select_related("organization", "bank__application", "score")[:limit]
    totals = Loan.objects.filter(status=Loan.Status.ACTIVE).aggregate(
        lines=Count("id"), principal=Sum("principal_minor")
    )
    return {"loans": loans, "pending": pending, "totals": totals}


def instalments_record(*, organization, today) -> dict:
    """The organisation's record of repaying its loans, one query: of the instalments whose
    day has come by ``today`` (repaying early does not earn a history of instalments met),
    those paid on time (``on_time``) and late (``late``); those overdue (``overdue``); and
    what is owed on every unpaid one (``owed``, minor units; None when nothing is)."""
    fell_due = Q(due_on__lte=today)
    paid = Q(status=Instalment.Status.PAID)
    return Instalment.objects.filter(loan__organization=organization).aggregate(
        on_time=Count("id", filter=fell_due & paid & Q(late=False)),
        late=Count("id", filter=fell_due & paid & Q(late=True)),
        overdue=Count("id", filter=Q(due_on__lt=today) & ~paid),
        owed=Sum(F("principal_minor") + F("interest_minor") - F("paid_minor"), filter=~paid),
    )


def credit_scores_of(*, organization, limit: int) -> QuerySet[CreditScore]:
    """The organisation's latest scores, newest first."""
    return CreditScore.objects.filter(organization=organization)[:limit]


def credit_applications_of(*, organization, limit: int) -> QuerySet[CreditApplication]:
    """The organisation's latest applications, newest first, with their banks."""
    return CreditApplication.objects.filter(organization=organization).select_related(
        "bank__application"
    )[:limit]


def credit_application_of(*, organization, reference: str) -> CreditApplication | None:
    return CreditApplication.objects.filter(organization=organization, reference=reference).first()


def loan_active_of(*, organization) -> Loan | None:
    """The organisation's running loan, if one runs."""
    return Loan.objects.filter(organization=organization, status=Loan.Status.ACTIVE).first()


def credit_lines_by_band(*, first_day, last_day, hub_code: str = "", sector: str = "") -> dict:
    """The credit lines of a period (drawn by its last day, running or repaid in it) and its
    applications, of the organisations of one home hub and sector when given; by score band
    and the line's currency (lines in two currencies are not added). Four queries:

    - ``lent``: rows of ``band``, ``currency``, ``lines``, ``principal`` (minor units);
    - ``owing``: (band, currency) → ``owed`` (principal still owed) and ``overdue``
      (instalments);
    - ``decisions``: band → application status → how many;
    - ``automatic``: how many applications were decided at once."""
    loans = Loan.objects.filter(drawn_on__lte=last_day).filter(
        Q(status=Loan.Status.ACTIVE) | Q(repaid_at__date__gte=first_day)
    )
    applications = CreditApplication.objects.filter(
        created_at__date__gte=first_day, created_at__date__lte=last_day
    )
    if hub_code:
        loans = loans.filter(organization__home_hub__code=hub_code)
        applications = applications.filter(organization__home_hub__code=hub_code)
    if sector:
        loans = loans.filter(organization__sector=sector)
        applications = applications.filter(organization__sector=sector)
    lent = [
        {
            "band": row["application__score__band"],
            "currency": row["currency"],
            "lines": row["lines"],
            "principal": row["principal"],
        }
        for row in loans.values("application__score__band", "currency")
        .annotate(lines=Count("id"), principal=Sum("principal_minor"))
        .order_by("application__score__band", "currency")
    ]
    owing = {
        (row["loan__application__score__band"], row["loan__currency"]): {
            "owed": row["owed"],
            "overdue": row["overdue"],
        }
        for row in Instalment.objects.filter(loan__in=loans)
        .values("loan__application__score__band", "loan__currency")
        .annotate(
            owed=instalments_principal_owed(),
            overdue=Count("id", filter=Q(status=Instalment.Status.OVERDUE)),
        )
    }
    decisions: dict = defaultdict(lambda: defaultdict(int))
    for row in applications.values("score__band", "status").annotate(n=Count("id")):
        decisions[row["score__band"]][row["status"]] += row["n"]
    automatic = applications.filter(decided_by="automatic").count()
    return {"lent": lent, "owing": owing, "decisions": decisions, "automatic": automatic}
