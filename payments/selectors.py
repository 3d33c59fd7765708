"""Reads of the ledger: balances and statements, derived from entries."""

from django.db.models import Count, F, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Greatest

from ewtp.common.money import money_from_minor

from .models import (
    Account,
    CreditApplication,
    Entry,
    FxRate,
    Instalment,
    Loan,
    PaymentIntent,
    Payout,
    Settlement,
)


def accounts_of(*, organization) -> list[Account]:
    """The organisation's accounts with their balances (``.balance``, Money), in one query."""
    accounts = list(
        Account.objects.filter(kind=Account.Kind.CUSTOMER, organization=organization)
        .annotate(balance_minor=Sum("entries__amount_minor", default=0))
        .order_by("currency")
    )
    for account in accounts:
        account.balance = money_from_minor(account.balance_minor, account.currency)
    return accounts


def account_statement(*, account: Account) -> QuerySet[Entry]:
    """The account's entries, newest first, each with the balance after it (a window sum over
    the whole account, so a page of the statement costs one query whatever its position)."""
    return (
        Entry.objects.filter(account=account)
        .select_related("transaction")
        .annotate(
            running_minor=Window(
                Sum("amount_minor"), order_by=[F("created_at").asc(), F("id").asc()]
            )
        )
        .order_by("-created_at", "-id")
    )


def order_payment(*, order) -> tuple:
    """The order's payment intent (or None) and the payments received for it."""
    intent = PaymentIntent.objects.filter(order=order).first()
    payments = list(intent.payments.select_related("bank__application")) if intent else []
    return intent, payments


def payouts_of(*, organization):
    return Payout.objects.filter(organization=organization).order_by("-created_at", "-id")


def order_settlement(*, order) -> Settlement | None:
    """The order's settlement with the rate it converted at (``ledger_transaction.fx``)."""
    return Settlement.objects.filter(order=order).select_related("ledger_transaction__fx").first()


def settlements_of(*, organization):
    """The seller's settlements, newest first, each with its conversion (one query)."""
    return (
        Settlement.objects.filter(organization=organization)
        .select_related("order", "ledger_transaction__fx")
        .order_by("-created_at", "-id")
    )


def reference_rates(*, source: str, first_day, last_day) -> dict:
    """The source's rates per day: {day: {currency: units per 1 base}}."""
    days: dict = {}
    rows = FxRate.objects.filter(
        source=source, as_of__gte=first_day, as_of__lte=last_day
    ).values_list("as_of", "quote", "rate", "base")
    for day, quote, rate, base in rows:
        days.setdefault(day, {base: 1})[quote] = rate
    return days


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
