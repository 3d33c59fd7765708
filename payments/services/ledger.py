"""Posting to the ledger: the one way money moves.

``ledger_post`` validates that the entries balance per currency and are at each currency's
precision, locks the accounts it touches (in id order, so two postings never deadlock),
refuses to take an account that must not go negative below zero, and writes the
transaction with its entries. A posting with an idempotency key is recorded once: a retry
returns the first transaction. ``ledger_reverse`` is the only correction.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.errors import ApplicationError, ConflictError
from ewtp.common.money import minor_units, money_from_minor, money_to_minor

from ..errors import InsufficientFunds, PaymentsErrorCode
from ..models import Account, Entry, LedgerTransaction


@dataclass(frozen=True)
class Posting:
    account: Account
    amount: Money  # credit positive, debit negative


def _validate(postings: list[Posting]) -> None:
    if len(postings) < 2:
        raise ApplicationError(
            _("A transaction has at least two entries."), PaymentsErrorCode.UNBALANCED
        )
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for posting in postings:
        currency = posting.amount.currency.code
        if currency != posting.account.currency:
            raise ApplicationError(
                _("%(account)s holds %(holds)s, not %(currency)s.")
                % {
                    "account": posting.account,
                    "holds": posting.account.currency,
                    "currency": currency,
                },
                PaymentsErrorCode.CURRENCY_MISMATCH,
            )
        amount = posting.amount.amount
        if amount == 0 or amount != amount.quantize(Decimal(1).scaleb(-minor_units(currency))):
            raise ApplicationError(
                _("%(amount)s is zero or finer than %(currency)s's minor unit.")
                % {"amount": posting.amount, "currency": currency},
                PaymentsErrorCode.PRECISION,
            )
        totals[currency] += amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise ApplicationError(
            _("Entries do not sum to zero: %(totals)s.") % {"totals": unbalanced},
            PaymentsErrorCode.UNBALANCED,
        )


def account_balance(account: Account) -> Money:
    total = Entry.objects.filter(account=account).aggregate(total=Sum("amount_minor"))["total"]
    return money_from_minor(total or 0, account.currency)


def ledger_post(
    *,
    kind: str,
    description: str,
    postings: list[Posting],
    reference: str = "",
    idempotency_key: str | None = None,
    reverses: LedgerTransaction | None = None,
    actor_label: str = "",
) -> LedgerTransaction:
    _validate(postings)
    if idempotency_key:
        earlier = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier
    try:
        with transaction.atomic():
            _lock_and_check(postings)
            ledger_transaction = LedgerTransaction.objects.create(
                kind=kind,
                description=description[:200],
                reference=reference[:100],
                idempotency_key=idempotency_key,
                reverses=reverses,
                actor_label=actor_label,
            )
            Entry.objects.bulk_create(
                [
                    Entry(
                        transaction=ledger_transaction,
                        account=p.account,
                        amount_minor=money_to_minor(p.amount),
                        currency=p.amount.currency.code,
                    )
                    for p in postings
                ]
            )
    except IntegrityError:
        # a concurrent retry with the same key, or a second reversal, got there first
        if idempotency_key:
            earlier = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
            if earlier is not None:
                return earlier
        if reverses is not None and LedgerTransaction.objects.filter(reverses=reverses).exists():
            raise ConflictError(
                _("Transaction #%(number)s is already reversed.") % {"number": reverses.pk},
                PaymentsErrorCode.ALREADY_REVERSED,
            ) from None
        raise
    return ledger_transaction


def _lock_and_check(postings: list[Posting]) -> None:
    """Lock the accounts that are debited and must stay non-negative, then check them.

    The lock is what makes "check the balance, then debit" safe: a concurrent posting to the
    same account waits here until this one commits, then sees its entries. Only those
    accounts are locked (in id order): credits and system accounts (bank clearing, FX, fees)
    need no lock, and locking them would make flows that post several times in one
    transaction (a split, a multi-bank refund) deadlock against payments and payouts.
    """
    deltas: dict[int, int] = defaultdict(int)
    for posting in postings:
        deltas[posting.account.pk] += money_to_minor(posting.amount)
    debited = sorted(
        {
            p.account.pk
            for p in postings
            if not p.account.may_go_negative and deltas[p.account.pk] < 0
        }
    )
    if not debited:
        return
    guarded = list(Account.objects.select_for_update().filter(pk__in=debited).order_by("pk"))
    balances = dict(
        Entry.objects.filter(account__in=guarded)
        .values("account")
        .annotate(total=Sum("amount_minor"))
        .values_list("account", "total")
    )
    for account in guarded:
        held = balances.get(account.pk) or 0
        if held + deltas[account.pk] < 0:
            # in the words of whoever reads it: the account's kind, never its ledger key
            raise InsufficientFunds(
                _("The %(account)s holds %(held)s in %(currency)s; this needs %(needed)s.")
                % {
                    "account": account.get_kind_display(),
                    "held": money_from_minor(held, account.currency).amount,
                    "currency": account.currency,
                    "needed": money_from_minor(-deltas[account.pk], account.currency).amount,
                },
                PaymentsErrorCode.INSUFFICIENT_FUNDS,
            )


def ledger_reverse(
    *, original: LedgerTransaction, reason: str, actor_label: str = ""
) -> LedgerTransaction:
    """Undo a transaction with its mirror image; a transaction is reversed at most once."""
    if original.kind == LedgerTransaction.Kind.REVERSAL:
        raise ConflictError(
            _("A reversal is not reversed; post a new transaction."),
            PaymentsErrorCode.ALREADY_REVERSED,
        )
    if LedgerTransaction.objects.filter(reverses=original).exists():
        raise ConflictError(
            _("Transaction #%(number)s is already reversed.") % {"number": original.pk},
            PaymentsErrorCode.ALREADY_REVERSED,
        )
    postings = [
        Posting(entry.account, -entry.money) for entry in original.entries.select_related("account")
    ]
    return ledger_post(
        kind=LedgerTransaction.Kind.REVERSAL,
        description=f"Reversal of #{original.pk}: {reason}",
        reference=original.reference,
        postings=postings,
        reverses=original,
        actor_label=actor_label,
    )
