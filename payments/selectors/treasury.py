"""Reads of the hub's treasury: positions per bank and currency, settlements, reconciliations."""

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    QuerySet,
    Sum,
)
from moneyed import Money

from ewtp.common.models import ApiClient
from ewtp.common.money import money_from_minor

from ..models import (
    Account,
    Entry,
    StatementLine,
    StatementReconciliation,
    TreasurySettlement,
)
from ..models.ledger import BalanceShard
from .accounts import balance_minor
from .fx import fx_conversions_open


@dataclass(frozen=True)
class BankPosition:
    """The hub's account in one currency at one bank."""

    bank: ApiClient
    currency: str
    held: Money  # the clearing balance as the bank books it (negative: overdrawn)
    open_fx: Money  # conversions of money received here, not yet settled with the bank


@dataclass(frozen=True)
class CurrencyPosition:
    """What the hub holds in one currency at all its banks, and what stands against it:
    held = owed (balances, escrow, duties, less what organisations owe the hub) + the hub's
    own (fees, FX result) + open FX."""

    currency: str
    held: Money
    balances: Money  # organisations' balances with the hub
    escrow: Money
    duties: Money  # owed to the customs authorities
    fees: Money
    fx_result: Money
    open_fx: Money  # the FX position account: long (positive) or short
    # what organisations owe the hub (negative): duty billed that their balances did not
    # cover, which the duties above include though the hub has not received it yet
    receivable: Money

    @property
    def owed(self) -> Money:
        return self.balances + self.escrow + self.duties + self.receivable


def _zero(currency: str) -> Money:
    return money_from_minor(0, currency)


def treasury_positions(*, default_bank_id: int | None) -> dict:
    """The positions page: per bank and currency what the hub holds and has converted but
    not settled, and per currency what it holds against what it owes. Three queries, none
    of which reads the ledger's history: balances are what the database keeps."""
    clearing = list(
        Account.objects.filter(kind=Account.Kind.BANK_CLEARING)
        .select_related("bank__application")
        .annotate(ledger_minor=balance_minor())
        .order_by("bank_id", "currency")
    )
    totals = _totals_by_kind()
    open_fx: dict[tuple[int, str], int] = defaultdict(int)
    for row in (
        fx_conversions_open(default_bank_id=default_bank_id)
        .values("dealt_with", "from_currency", "to_currency")
        .annotate(sold=Sum("from_minor"), bought=Sum("to_minor"))
    ):
        open_fx[row["dealt_with"], row["from_currency"]] += row["sold"]
        open_fx[row["dealt_with"], row["to_currency"]] -= row["bought"]
    banks = [
        BankPosition(
            bank=account.bank,
            currency=account.currency,
            held=money_from_minor(-account.ledger_minor, account.currency),
            open_fx=money_from_minor(open_fx[account.bank_id, account.currency], account.currency),
        )
        for account in clearing
    ]
    return {"banks": banks, "currencies": _currency_positions(totals)}


def _totals_by_kind() -> dict[tuple[str, str], int]:
    """Every account kind's total per currency (credit positive): the sum of the balances
    kept by the database (BalanceShard) on PostgreSQL, of the entries on SQLite."""
    if connection.vendor == "postgresql":
        shards = BalanceShard.objects.values("account__kind", "account__currency")
        return {
            (row["account__kind"], row["account__currency"]): row["total"]
            for row in shards.annotate(total=Sum("minor"))
        }
    entries = Entry.objects.values("account__kind", "currency")
    return {
        (row["account__kind"], row["currency"]): row["total"]
        for row in entries.annotate(total=Sum("amount_minor"))
    }


def _currency_positions(totals: dict[tuple[str, str], int]) -> list[CurrencyPosition]:
    kind = Account.Kind

    def money(account_kind, currency, sign=1):
        return money_from_minor(sign * totals.get((account_kind, currency), 0), currency)

    return [
        CurrencyPosition(
            currency=currency,
            held=money(kind.BANK_CLEARING, currency, -1),
            balances=money(kind.CUSTOMER, currency),
            escrow=money(kind.ESCROW, currency),
            duties=money(kind.DUTIES, currency),
            fees=money(kind.FEES, currency),
            fx_result=money(kind.FX_RESULT, currency),
            open_fx=money(kind.FX, currency),
            receivable=money(kind.RECEIVABLE, currency),
        )
        for currency in sorted({currency for _kind, currency in totals})
    ]


def treasury_settlements_recent(*, limit: int = 30) -> list[TreasurySettlement]:
    """The latest FX settlements with their deals (two queries)."""
    return list(
        TreasurySettlement.objects.select_related("bank__application")
        .prefetch_related("deals")
        .order_by("-day", "-id")[:limit]
    )


def treasury_instructions_of(*, bank) -> QuerySet[TreasurySettlement]:
    """The FX instructions the hub issued to ``bank``, with their deals."""
    return (
        TreasurySettlement.objects.filter(bank=bank, status=TreasurySettlement.Status.INSTRUCTED)
        .exclude(instruction="")
        .prefetch_related("deals")
    )


def treasury_settlement_of(*, public_id) -> TreasurySettlement | None:
    return TreasurySettlement.objects.filter(public_id=public_id).first()


def reconciliations_recent(*, limit: int = 50) -> list[StatementReconciliation]:
    return list(
        StatementReconciliation.objects.select_related("bank__application", "account").order_by(
            "-created_at", "-id"
        )[:limit]
    )


def statement_lines_unmatched(*, reconciliations, limit: int = 1000) -> list[StatementLine]:
    """The lines of these reconciliations that did not match, both sides (one query)."""
    return list(
        StatementLine.objects.filter(reconciliation__in=reconciliations)
        .exclude(outcome=StatementLine.Outcome.MATCHED)
        .select_related("reconciliation__account")
        .order_by("reconciliation_id", "outcome", "booked_on", "id")[:limit]
    )


def reconciliation_of(*, public_id) -> StatementReconciliation | None:
    return (
        StatementReconciliation.objects.select_related("bank__application", "account")
        .filter(public_id=public_id)
        .first()
    )
