"""Reads of the ledger's accounts: balances, statements, entries for the analytics catch-up."""

from collections import defaultdict

from django.db.models import (
    F,
    QuerySet,
    Sum,
    Window,
)

from ewtp.common.money import money_from_minor

from ..models import (
    Account,
    Entry,
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
        .annotate(balance_minor=Sum("entries__amount_minor", default=0))
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
