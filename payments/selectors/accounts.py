"""Reads of the ledger's accounts: balances, statements, entries for the analytics catch-up.

A read of a period names it by ``created_at`` bounds, so that on PostgreSQL it reads only the
period's monthly partitions of the entries; balances come from what the database keeps
(``Account.held_minor``, BalanceShard), never from a sum of an account's whole history.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)

from ewtp.common.money import money_from_minor, money_to_minor

from ..models import (
    Account,
    Entry,
)
from ..services.ledger import account_balance_at


def balance_minor() -> Sum:
    """The aggregate that annotates accounts with their balance in minor units: the sum of
    their BalanceShard rows on PostgreSQL (at most BalanceShard.SHARDS each), of their entries
    on SQLite, which keeps no shards."""
    if connection.vendor == "postgresql":
        return Sum("balance_shards__minor", default=0)
    return Sum("entries__amount_minor", default=0)


def account_entries_between(*, account: Account, start: datetime, end: datetime) -> QuerySet:
    """The account's entries dated from ``start`` (included) to ``end`` (excluded): the
    bounds on ``created_at`` let PostgreSQL read only the partitions of those months."""
    return Entry.objects.filter(account=account, created_at__gte=start, created_at__lt=end)


@dataclass(frozen=True)
class PeriodTotals:
    opening_minor: int  # the balance just before ``start``
    moved_minor: int  # the sum of the entries of the period
    count: int  # how many entries the period has


# One statement, one snapshot: the balance the shards keep now, less everything since the
# period's start, is the opening; the same scan (the partitions from the start's month on)
# counts and sums the period.
PERIOD_TOTALS = """
SELECT COALESCE((SELECT SUM(minor) FROM payments_balanceshard WHERE account_id = %(id)s), 0)
       - COALESCE(SUM(amount_minor), 0),
       COALESCE(SUM(amount_minor) FILTER (WHERE created_at < %(end)s), 0),
       COUNT(*) FILTER (WHERE created_at < %(end)s)
FROM payments_entry
WHERE account_id = %(id)s AND created_at >= %(start)s
"""


def account_period_totals(*, account: Account, start: datetime, end: datetime) -> PeriodTotals:
    """The account's balance before ``start``, and the sum and count of its entries from
    ``start`` to ``end`` (excluded), in one query. PostgreSQL reads only the partitions from
    ``start``'s month on; SQLite sums the account's entries."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(PERIOD_TOTALS, {"id": account.pk, "start": start, "end": end})
            opening, moved, count = cursor.fetchone()
        return PeriodTotals(opening_minor=opening, moved_minor=moved, count=count)
    within = Q(created_at__gte=start, created_at__lt=end)
    totals = Entry.objects.filter(account=account, created_at__lt=end).aggregate(
        opening=Sum("amount_minor", filter=Q(created_at__lt=start), default=0),
        moved=Sum("amount_minor", filter=within, default=0),
        count=Count("id", filter=within),
    )
    return PeriodTotals(
        opening_minor=totals["opening"], moved_minor=totals["moved"], count=totals["count"]
    )


def accounts_of(*, organization) -> list[Account]:
    """The organisation's accounts with their balances (``.balance``, Money), in one query:
    the balance each row keeps (``Account.held_minor``), not a sum of its history."""
    accounts = list(
        Account.objects.filter(kind=Account.Kind.CUSTOMER, organization=organization).order_by(
            "currency"
        )
    )
    for account in accounts:
        account.balance = money_from_minor(account.held_minor or 0, account.currency)
    return accounts


def amounts_owed_of(*, organization, entries: int = 20) -> list[Account]:
    """What the organisation owes the hub, per currency (``.owed``, Money, positive), with
    the latest movements of each (``.latest``: billed, collected): two queries."""
    accounts = list(
        Account.objects.filter(kind=Account.Kind.RECEIVABLE, organization=organization)
        .annotate(balance_minor=balance_minor())
        .order_by("currency")
    )
    latest = defaultdict(list)
    for entry in (
        Entry.objects.filter(account__in=accounts)
        .select_related("transaction")
        .order_by("-created_at", "-id")[: entries * max(len(accounts), 1)]
    ):
        latest[entry.account_id].append(entry)
    for account in accounts:
        account.owed = money_from_minor(-account.balance_minor, account.currency)
        account.latest = latest[account.pk][:entries]
    return accounts


def account_statement(
    *, account: Account, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[Entry]:
    """The account's entries, newest first, each with the balance after it (a window sum, so
    a page of the statement costs one query whatever its position).

    With a period (``start`` included, ``end`` excluded) only its entries, each balance the
    balance before ``start`` (one query, ``account_balance_at``) plus the window sum within
    the period: on PostgreSQL both read only the partitions from ``start``'s month on.
    Without one, the whole history.
    """
    entries = Entry.objects.filter(account=account)
    opening = 0
    if start is not None:
        entries = entries.filter(created_at__gte=start)
        opening = money_to_minor(account_balance_at(account, start))
    if end is not None:
        entries = entries.filter(created_at__lt=end)
    return (
        entries.select_related("transaction")
        .annotate(
            running_minor=Value(opening)
            + Window(Sum("amount_minor"), order_by=[F("created_at").asc(), F("id").asc()])
        )
        .order_by("-created_at", "-id")
    )


def escrow_entries_of_order(*, order) -> QuerySet[Entry]:
    """The movements of the order's escrow account, each with its transaction (one query)."""
    return Entry.objects.filter(
        account__order=order, account__kind=Account.Kind.ESCROW
    ).select_related("transaction")


# what a money rollup reads of each ledger entry: its id and time, the amount and its
# transaction's and account's kinds, and where the money belongs (the account's order's
# hubs and seller's sector, else the account's hub, else its organisation's home hub and
# sector)
ENTRY_COUNTED = (
    "pk",
    "created_at",
    "amount_minor",
    "currency",
    "transaction__kind",
    "account__kind",
    "account__order__origin_hub__code",
    "account__order__destination_hub__country",
    "account__order__seller__sector",
    "account__hub__code",
    "account__organization__home_hub__code",
    "account__organization__sector",
)


def entries_after(*, last_id: int, limit: int) -> list[tuple]:
    """The ledger entries after ``last_id`` in id order, at most ``limit``, as rows of
    ENTRY_COUNTED (one query)."""
    return list(
        Entry.objects.filter(pk__gt=last_id).order_by("pk").values_list(*ENTRY_COUNTED)[:limit]
    )
