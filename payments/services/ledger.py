"""Posting to the ledger: the one way money moves.

``ledger_post`` validates that the entries balance per currency and are at each currency's
precision, then records the transaction, its entries and the balance on the row of every
account it touches that must never go negative (customer, escrow), refusing the posting if
one of those would go below zero. On PostgreSQL all of that is one statement, and the
database adds the entries to every account's BalanceShard rows as they are inserted (the
balance of the hub's own accounts, which no row lock guards). A posting with
an idempotency key is recorded once: a retry returns the first transaction.
``ledger_reverse`` is the only correction.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.bulk import insert_statement
from ewtp.common.errors import ApplicationError, ConflictError
from ewtp.common.money import minor_units, money_from_minor, money_to_minor

from ..errors import InsufficientFunds, PaymentsErrorCode
from ..models import Account, Entry, LedgerTransaction
from ..models.ledger import BalanceShard


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
    """What the account holds now, without summing its history.

    An account that must never go negative reads the balance its row keeps (read again here:
    ``account`` may have been loaded before the last posting); the hub's own accounts sum
    their BalanceShard rows (at most BalanceShard.SHARDS; see ``Account.held_minor``). On
    SQLite, which keeps no shards, they sum their entries.
    """
    if not account.may_go_negative:
        held = Account.objects.filter(pk=account.pk).values_list("held_minor", flat=True).first()
        return money_from_minor(held or 0, account.currency)
    if connection.vendor == "postgresql":
        rows = BalanceShard.objects.filter(account=account)
        total = rows.aggregate(total=Sum("minor"))["total"]
    else:
        total = Entry.objects.filter(account=account).aggregate(total=Sum("amount_minor"))["total"]
    return money_from_minor(total or 0, account.currency)


# What an account held at a moment, as of one snapshot (one statement): its balance now less
# what was posted since, so that only the partitions from the moment's month on are read.
BALANCE_AT = """
SELECT COALESCE((SELECT SUM(minor) FROM payments_balanceshard WHERE account_id = %s), 0)
     - COALESCE((SELECT SUM(amount_minor) FROM payments_entry
                 WHERE account_id = %s AND created_at >= %s), 0)
"""


def account_balance_at(account: Account, moment: datetime) -> Money:
    """What the account held just before ``moment`` (the sum of its entries dated before it).

    On PostgreSQL it is the balance the shards keep now less the entries since ``moment``:
    one statement, which reads the partitions from ``moment``'s month on and none before.
    SQLite sums the entries before ``moment``.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(BALANCE_AT, [account.pk, account.pk, moment])
            total = cursor.fetchone()[0]
    else:
        before = Entry.objects.filter(account=account, created_at__lt=moment)
        total = before.aggregate(total=Sum("amount_minor"))["total"]
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
    """Record one balanced transaction and move the balances kept on account rows.

    The accounts that must never go negative and are touched are locked (in id order, so two
    postings never deadlock) by the statement that moves their balance; it returns the new
    balances, and one below zero refuses the posting (InsufficientFunds) and rolls it all
    back. Concurrent postings to such an account queue on its row, the next one seeing this
    one's balance. The hub's own accounts are not locked (see ``Account.held_minor``).

    Idempotent: the transaction row is inserted only if its idempotency key (and the
    transaction it reverses) is not taken yet, so a retry, even one racing the first attempt,
    writes nothing and returns the first transaction; a second reversal is a ConflictError.
    """
    _validate(postings)
    proposed = LedgerTransaction(
        kind=kind,
        description=description[:200],
        reference=reference[:100],
        idempotency_key=idempotency_key or None,  # a blank key is no key
        reverses=reverses,
        actor_label=actor_label,
    )
    deltas = _held_deltas(postings)
    with transaction.atomic():
        record = _record_in_one_statement if connection.vendor == "postgresql" else _record
        held = record(proposed, postings, deltas)
        if held is None:
            return _recorded_before(proposed)
        _refuse_below_zero(postings, deltas, held)
    return proposed


def _held_deltas(postings: list[Posting]) -> dict[int, int]:
    """Account id → net movement of the accounts that keep their balance on the row, in id
    order (the order their rows are locked in)."""
    deltas: dict[int, int] = defaultdict(int)
    for posting in postings:
        if not posting.account.may_go_negative:
            deltas[posting.account.pk] += money_to_minor(posting.amount)
    return {pk: delta for pk, delta in sorted(deltas.items()) if delta}


def _transaction_insert(proposed: LedgerTransaction) -> tuple[str, list]:
    """The INSERT of the transaction row, ON CONFLICT DO NOTHING: when the idempotency key
    or the reversed transaction (both unique) is taken, nothing is written and nothing
    returned. That replaces a look-up before every posting, and a concurrent retry waits
    for the first attempt's commit instead of failing."""
    sql, params = insert_statement(proposed)
    return f"{sql} RETURNING id", params


def _saved(proposed: LedgerTransaction, pk: int) -> None:
    proposed.pk = pk
    proposed._state.adding = False
    proposed._state.db = connection.alias


# PostgreSQL: the transaction ({insert}), its entries ({legs}) and the balances on the rows
# ({deltas}) in one statement, one round trip. Data-modifying CTEs all run to completion
# whether or not the final SELECT reads them. ``locked`` takes the row locks in id order
# before the UPDATE, which by itself would lock in whatever order its join produces; it
# joins ``posted`` so that a retry, which inserts nothing, locks nothing. Under READ
# COMMITTED the UPDATE of a row it had to wait for adds to its latest committed balance.
# The deferred trigger of migration 0002 still checks at COMMIT that the entries balance.
ONE_STATEMENT = """
WITH posted AS ({insert}),
leg (account_id, amount_minor, currency) AS (VALUES {legs}),
written AS (
    INSERT INTO payments_entry (transaction_id, account_id, amount_minor, currency, created_at)
    SELECT posted.id, leg.account_id, leg.amount_minor, leg.currency, %s FROM posted, leg
),
delta (account_id, minor) AS (VALUES {deltas}),
locked AS MATERIALIZED (
    SELECT payments_account.id FROM payments_account, posted
    WHERE payments_account.id IN (SELECT account_id FROM delta)
    ORDER BY payments_account.id
    FOR UPDATE OF payments_account
),
moved AS (
    UPDATE payments_account
    SET held_minor = COALESCE(payments_account.held_minor, 0) + delta.minor
    FROM delta JOIN locked ON locked.id = delta.account_id
    WHERE payments_account.id = delta.account_id
    RETURNING payments_account.id, payments_account.held_minor
)
SELECT posted.id, moved.id, moved.held_minor FROM posted LEFT JOIN moved ON TRUE
"""


def _record_in_one_statement(
    proposed: LedgerTransaction, postings: list[Posting], deltas: dict[int, int]
) -> dict[int, int] | None:
    """The balances after (account id → minor units), or None when nothing was written."""
    insert, params = _transaction_insert(proposed)
    for p in postings:
        params += [p.account.pk, money_to_minor(p.amount), p.amount.currency.code]
    created_at = Entry._meta.get_field("created_at")
    params.append(created_at.get_db_prep_save(proposed.created_at, connection))
    # a posting to the hub's accounts only moves no row: a delta of nothing on no account
    moves = list(deltas.items()) or [(None, None)]
    for pair in moves:
        params += pair
    sql = ONE_STATEMENT.format(
        insert=insert,
        legs=", ".join(["(%s::bigint, %s::bigint, %s::varchar)"] * len(postings)),
        deltas=", ".join(["(%s::bigint, %s::bigint)"] * len(moves)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    _saved(proposed, rows[0][0])
    return {account_id: held for _, account_id, held in rows if account_id is not None}


def _record(
    proposed: LedgerTransaction, postings: list[Posting], deltas: dict[int, int]
) -> dict[int, int] | None:
    """The same as ``_record_in_one_statement``, a statement at a time (SQLite, where the
    write lock is taken at BEGIN and no other writer can come in between)."""
    insert, params = _transaction_insert(proposed)
    with connection.cursor() as cursor:
        cursor.execute(insert, params)
        row = cursor.fetchone()
    if row is None:
        return None
    _saved(proposed, row[0])
    Entry.objects.bulk_create(
        [
            Entry(
                transaction=proposed,
                account=p.account,
                amount_minor=money_to_minor(p.amount),
                currency=p.amount.currency.code,
            )
            for p in postings
        ]
    )
    for pk, delta in deltas.items():
        Account.objects.filter(pk=pk).update(held_minor=Coalesce(F("held_minor"), 0) + delta)
    return dict(Account.objects.filter(pk__in=deltas).values_list("pk", "held_minor"))


def _recorded_before(proposed: LedgerTransaction) -> LedgerTransaction:
    """Nothing was written: the transaction of the same idempotency key, or a refusal of a
    second reversal."""
    if proposed.idempotency_key:
        earlier = LedgerTransaction.objects.filter(idempotency_key=proposed.idempotency_key).first()
        if earlier is not None:
            return earlier
    reverses = proposed.reverses
    if reverses is not None and LedgerTransaction.objects.filter(reverses=reverses).exists():
        raise ConflictError(
            _("Transaction #%(number)s is already reversed.") % {"number": reverses.pk},
            PaymentsErrorCode.ALREADY_REVERSED,
        )
    # the conflicting row went away in between (its transaction rolled back): not a state
    # this posting can explain, so it is not passed off as recorded
    raise IntegrityError(f"ledger transaction {proposed.idempotency_key!r} was not recorded")


def _refuse_below_zero(
    postings: list[Posting], deltas: dict[int, int], held: dict[int, int]
) -> None:
    """Refuse (InsufficientFunds, rolling the posting back) a debit that took an account that
    must never go negative below zero, by the balance its row returned."""
    accounts = {p.account.pk: p.account for p in postings}
    for pk, after in held.items():
        if deltas[pk] < 0 and after < 0:
            account = accounts[pk]
            # in the words of whoever reads it: the account's kind, never its ledger key
            raise InsufficientFunds(
                _("The %(account)s holds %(held)s in %(currency)s; this needs %(needed)s.")
                % {
                    "account": account.get_kind_display(),
                    "held": money_from_minor(after - deltas[pk], account.currency).amount,
                    "currency": account.currency,
                    "needed": money_from_minor(-deltas[pk], account.currency).amount,
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
