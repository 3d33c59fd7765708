"""The balance kept on the row of an account that must never go negative: always the sum of
its entries, moved once per posting, untouched by a refused one; the hub's own accounts keep
none and are never locked."""

import importlib
import random
import threading
from decimal import Decimal
from functools import partial

import pytest
from django.db import OperationalError, connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from moneyed import Money

from ewtp.common.errors import ConflictError
from ewtp.common.money import money_to_minor
from payments.errors import InsufficientFunds
from payments.models import Account, Entry, LedgerTransaction
from payments.services.accounts import bank_clearing_account, customer_account, fees_account
from payments.services.ledger import Posting, account_balance, ledger_post, ledger_reverse
from tests import factories
from tests.concurrency import at_once, postgres_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(kul):
    bank = factories.api_client(name="Bank", scopes=["payments:write"]).client
    return {
        "a": customer_account(organization=factories.SellerFactory(), currency="MYR"),
        "b": customer_account(organization=factories.SellerFactory(), currency="MYR"),
        "bank": bank_clearing_account(bank=bank, currency="MYR"),
        "fees": fees_account(hub=kul, currency="MYR"),
    }


def myr(amount) -> Money:
    return Money(Decimal(amount), "MYR")


def move(debit, credit, amount, key=None, fee=None, fees=None):
    """``amount`` from ``debit`` to ``credit``; with a ``fee``, ``debit`` pays it to ``fees``."""
    postings = [Posting(debit, -myr(amount)), Posting(credit, myr(amount))]
    if fee:
        postings = [Posting(debit, -myr(amount) - myr(fee)), postings[1], Posting(fees, myr(fee))]
    return ledger_post(kind="release", description="move", postings=postings, idempotency_key=key)


def held(account) -> int | None:
    return Account.objects.get(pk=account.pk).held_minor


def entries_sum(account) -> int:
    return Entry.objects.filter(account=account).aggregate(total=Sum("amount_minor"))["total"] or 0


def test_the_row_is_the_sum_of_the_entries_after_many_postings_and_reversals(books):
    rng = random.Random(11)
    move(books["bank"], books["a"], "500.00")
    move(books["bank"], books["b"], "500.00")
    posted, refused = [], 0
    for _ in range(120):
        debit, credit = rng.sample([books["a"], books["b"]], 2)
        amount = f"{rng.randint(1, 40_000) / 100:.2f}"
        shape = rng.choice(["transfer", "transfer with a fee", "payout"])
        try:
            if shape == "payout":
                posted.append(move(debit, books["bank"], amount))
            elif shape == "transfer with a fee":
                posted.append(move(debit, credit, amount, fee="0.35", fees=books["fees"]))
            else:
                posted.append(move(debit, credit, amount))
        except InsufficientFunds:
            refused += 1
        if posted and rng.random() < 0.2:
            original = posted.pop(rng.randrange(len(posted)))
            try:
                ledger_reverse(original=original, reason="test")
            except InsufficientFunds:  # what it credited was spent since
                refused += 1
    assert refused, "the sequence never tried to overdraw: it proves less than it claims"
    for name in ("a", "b"):
        assert held(books[name]) == entries_sum(books[name]) >= 0
        assert money_to_minor(account_balance(books[name])) == entries_sum(books[name])


def test_a_refused_debit_leaves_every_row_and_the_entries_as_they_were(books):
    move(books["bank"], books["a"], "50.00")
    move(books["bank"], books["b"], "10.00")
    before = (held(books["a"]), held(books["b"]), Entry.objects.count())
    with pytest.raises(InsufficientFunds, match=r"holds 50\.00 in MYR; this needs 50\.01"):
        move(books["a"], books["b"], "50.01")
    # b was credited in the same statement that took a below zero: rolled back with it
    assert (held(books["a"]), held(books["b"]), Entry.objects.count()) == before
    assert LedgerTransaction.objects.count() == 2


def test_a_retried_posting_moves_the_row_once(books):
    first = move(books["bank"], books["a"], "25.00", key="bank-ref-1")
    again = move(books["bank"], books["a"], "25.00", key="bank-ref-1")
    assert again.pk == first.pk
    assert held(books["a"]) == 2500 == entries_sum(books["a"])


def test_a_blank_idempotency_key_is_no_key(books):
    move(books["bank"], books["a"], "1.00", key="")
    move(books["bank"], books["a"], "1.00", key="")
    assert held(books["a"]) == 200
    assert not LedgerTransaction.objects.filter(idempotency_key="").exists()


def test_a_reversal_moves_the_rows_back_once(books):
    original = move(books["bank"], books["a"], "30.00")
    ledger_reverse(original=original, reason="duplicate notification")
    assert held(books["a"]) == 0 == entries_sum(books["a"])
    with pytest.raises(ConflictError, match="already reversed"):
        ledger_reverse(original=original, reason="again")
    assert held(books["a"]) == 0


def test_a_second_reversal_racing_the_first_is_refused_without_moving_the_row(books):
    original = move(books["bank"], books["a"], "30.00")
    ledger_reverse(original=original, reason="first")
    # as a second caller sees it when it checked before the first one committed
    with pytest.raises(ConflictError, match="already reversed"):
        ledger_post(
            kind=LedgerTransaction.Kind.REVERSAL,
            description="second",
            postings=[Posting(books["a"], -myr("30.00")), Posting(books["bank"], myr("30.00"))],
            reverses=original,
        )
    assert held(books["a"]) == 0 == entries_sum(books["a"])


def test_the_hubs_own_accounts_keep_no_balance_on_the_row(books):
    move(books["bank"], books["a"], "20.00", fee="1.50", fees=books["fees"])
    assert held(books["bank"]) is None and held(books["fees"]) is None
    assert account_balance(books["bank"]) == myr("-21.50")
    assert account_balance(books["fees"]) == myr("1.50")


def test_account_balance_reads_the_row_not_the_instance_it_is_given(books):
    stale = Account.objects.get(pk=books["a"].pk)
    move(books["bank"], books["a"], "12.34")
    assert account_balance(stale) == myr("12.34")
    assert account_balance(books["b"]) == myr("0.00")  # never posted to: no balance yet


def test_the_migration_fills_the_rows_from_the_entries(books):
    move(books["bank"], books["a"], "40.00")
    move(books["a"], books["b"], "15.00")
    Account.objects.update(held_minor=None)  # as before the migration
    migration = importlib.import_module("payments.migrations.0017_account_balance")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert (held(books["a"]), held(books["b"])) == (2500, 1500)
    assert held(books["bank"]) is None


@postgres_only
def test_a_posting_is_one_statement_whatever_the_history(books):
    move(books["bank"], books["a"], "100.00")
    for _ in range(30):
        move(books["a"], books["b"], "1.00")
        move(books["b"], books["a"], "1.00")
    with CaptureQueriesContext(connection) as captured:
        move(books["a"], books["b"], "2.00", fee="0.10", fees=books["fees"])
    statements = [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1
    assert "SUM(" not in statements[0].upper()


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("key", "recorded"), [("bank-ref-9", 1), (None, 10)])
def test_concurrent_retries_of_a_posting_move_the_row_once(books, key, recorded):
    """Ten deliveries of one bank notification at once: one transaction, the row moved once.
    Without a key (the negative control) each delivery is a posting of its own."""
    pks = []

    def retry():
        pks.append(move(books["bank"], books["a"], "5.00", key=key).pk)

    at_once(*[retry] * 10)
    assert len(pks) == 10 and len(set(pks)) == recorded
    assert held(books["a"]) == 500 * recorded == entries_sum(books["a"])


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_transfers_both_ways_at_once_keep_the_rows_right_and_never_deadlock(books):
    move(books["bank"], books["a"], "100.00")
    move(books["bank"], books["b"], "100.00")
    errors = []

    def transfers(index):
        rng = random.Random(index)
        for _ in range(15):
            debit, credit = (books["a"], books["b"]) if index % 2 else (books["b"], books["a"])
            try:
                move(
                    debit,
                    credit,
                    f"{rng.randint(1, 2_000) / 100:.2f}",
                    fee="0.01",
                    fees=books["fees"],
                )
            except InsufficientFunds:
                pass
            except Exception as error:  # a deadlock would land here
                errors.append(error)

    at_once(*(partial(transfers, i) for i in range(6)))
    assert errors == []
    for name in ("a", "b"):
        assert held(books[name]) == entries_sum(books[name]) >= 0
    assert (
        sum(
            row["total"]
            for row in Entry.objects.values("currency").annotate(total=Sum("amount_minor"))
        )
        == 0
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("second", "waits"), [("b", False), ("a", True)])
def test_a_posting_in_progress_locks_its_customers_row_never_the_banks(books, second, waits):
    """While a payment into ``a`` is uncommitted, another payment from the same bank goes
    through at once (the hub's accounts are not locked: all payments through a bank would
    queue there); one into ``a`` itself waits for it (the negative control)."""
    posted, release, outcome = threading.Event(), threading.Event(), []

    def first(_):
        with transaction.atomic():
            move(books["bank"], books["a"], "10.00")
            posted.set()
            release.wait(10)

    def other(_):
        posted.wait(10)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
                move(books["bank"], books[second], "10.00")
            outcome.append("posted")
        except OperationalError:
            outcome.append("waited")
        finally:
            release.set()

    at_once(partial(first, 0), partial(other, 1))
    assert outcome == ["waited" if waits else "posted"]
