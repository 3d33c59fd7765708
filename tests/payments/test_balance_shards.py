"""Every account's balance kept by the database (BalanceShard, PostgreSQL): always the sum of
the account's entries, after random postings and after postings racing from several threads,
with no posting waiting for another one to the same hub account, and no write but the
entries' own."""

import contextlib
import random
import threading
from collections import defaultdict
from decimal import Decimal
from functools import partial

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from moneyed import Money

from ewtp.common.money import money_to_minor
from payments.errors import InsufficientFunds
from payments.models import Account, Entry
from payments.models.ledger import BalanceShard
from payments.selectors.accounts import balance_minor
from payments.services.accounts import (
    bank_clearing_account,
    customer_account,
    fees_account,
    fx_account,
)
from payments.services.ledger import Posting, account_balance, ledger_post, ledger_reverse
from tests import factories
from tests.concurrency import at_once, postgres_only

pytestmark = pytest.mark.django_db
kept_by_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite keeps no balance shards: its balances sum the entries",
)


def myr(cents: int) -> Money:
    return Money(Decimal(cents) / 100, "MYR")


def entry_sums() -> dict[int, int]:
    return dict(
        Entry.objects.values("account")
        .annotate(total=Sum("amount_minor"))
        .values_list("account", "total")
    )


def assert_every_balance_is_its_entries():
    """For every account: the balance account_balance reads, the balance the annotation of
    the selectors reads and (PostgreSQL) the shards all equal the sum of its entries."""
    sums = entry_sums()
    annotated = dict(Account.objects.annotate(b=balance_minor()).values_list("pk", "b"))
    for account in Account.objects.all():
        expected = sums.get(account.pk, 0)
        assert money_to_minor(account_balance(account)) == expected, account.key
        assert annotated[account.pk] == expected, account.key
    if connection.vendor == "postgresql":
        shards = defaultdict(int)
        for account_id, minor in BalanceShard.objects.values_list("account", "minor"):
            shards[account_id] += minor
        assert {pk: total for pk, total in shards.items() if total} == {
            pk: total for pk, total in sums.items() if total
        }


class Postings(RuleBasedStateMachine):
    """Random payments in, transfers with fees, payouts, conversions' legs and reversals,
    one to four entries on customer and hub accounts at a time."""

    def __init__(self):
        super().__init__()
        bank = factories.api_client(name="Bank", scopes=["payments:write"]).client
        self.customers = [
            customer_account(organization=factories.SellerFactory(), currency="MYR")
            for _ in range(3)
        ]
        self.bank = bank_clearing_account(bank=bank, currency="MYR")
        self.fees = fees_account(hub=factories.hub("KUL"), currency="MYR")
        self.fx = fx_account(currency="MYR")
        self.posted = []

    def _post(self, *postings):
        with contextlib.suppress(InsufficientFunds):
            self.posted.append(
                ledger_post(kind="adjustment", description="random", postings=list(postings))
            )

    @rule(customer=st.integers(0, 2), cents=st.integers(1, 90_000))
    def payment_in(self, customer, cents):
        self._post(Posting(self.bank, -myr(cents)), Posting(self.customers[customer], myr(cents)))

    @rule(
        a=st.integers(0, 2),
        b=st.integers(0, 2),
        cents=st.integers(1, 50_000),
        fee=st.integers(1, 500),
    )
    def transfer_with_fee(self, a, b, cents, fee):
        if a != b:
            self._post(
                Posting(self.customers[a], -myr(cents + fee)),
                Posting(self.customers[b], myr(cents)),
                Posting(self.fees, myr(fee)),
            )

    @rule(customer=st.integers(0, 2), cents=st.integers(1, 50_000), spread=st.integers(1, 300))
    def payout_through_fx(self, customer, cents, spread):
        # four entries, two of them on the hub's own accounts
        self._post(
            Posting(self.customers[customer], -myr(cents + spread)),
            Posting(self.bank, myr(cents)),
            Posting(self.fx, myr(spread) + myr(1)),
            Posting(self.fees, -myr(1)),
        )

    @rule(index=st.integers(0, 1_000))
    def reversal(self, index):
        open_ = [t for t in self.posted if t.kind != "reversal" and not hasattr(t, "reversed_")]
        if open_:
            original = open_[index % len(open_)]
            try:
                self.posted.append(ledger_reverse(original=original, reason="random"))
                original.reversed_ = True
            except InsufficientFunds:
                pass

    @invariant()
    def every_balance_is_the_sum_of_its_entries(self):
        for account in [*self.customers, self.bank, self.fees, self.fx]:
            expected = Entry.objects.filter(account=account).aggregate(t=Sum("amount_minor"))
            assert money_to_minor(account_balance(account)) == (expected["t"] or 0)

    def teardown(self):
        assert_every_balance_is_its_entries()


def test_random_postings_keep_every_balance_equal_to_its_entries(kul):
    run_state_machine_as_test(
        Postings,
        settings=settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


@pytest.fixture
def books(kul):
    bank = factories.api_client(name="Bank", scopes=["payments:write"]).client
    return {
        "customers": [
            customer_account(organization=factories.SellerFactory(), currency="MYR")
            for _ in range(4)
        ],
        "bank": bank_clearing_account(bank=bank, currency="MYR"),
        "fees": fees_account(hub=kul, currency="MYR"),
    }


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_postings_keep_every_balance_and_never_deadlock(kul):
    """Eight threads post at once, each for its own customer, several postings per database
    transaction that touch the hub's bank and fee accounts in varying order (in then fee, or
    a fee then a charge back to the bank): with one row per hub account these would lock
    them in opposite orders and deadlock. None does, and every balance is its entries."""
    bank_client = factories.api_client(name="Bank", scopes=["payments:write"]).client
    bank = bank_clearing_account(bank=bank_client, currency="MYR")
    fees = fees_account(hub=kul, currency="MYR")
    customers = [
        customer_account(organization=factories.SellerFactory(), currency="MYR") for _ in range(8)
    ]
    errors = []

    def postings(index):
        rng, customer = random.Random(index), customers[index]
        shapes = [
            lambda c: [Posting(bank, -myr(c)), Posting(customer, myr(c))],
            lambda c: [Posting(customer, -myr(c)), Posting(fees, myr(c))],
            lambda c: [Posting(fees, -myr(c)), Posting(bank, myr(c))],
            lambda c: [Posting(bank, -myr(c)), Posting(fees, myr(c))],
        ]
        for _ in range(15):
            try:
                with transaction.atomic():
                    for shape in rng.sample(shapes, rng.randint(2, 4)):
                        ledger_post(
                            kind="adjustment",
                            description="race",
                            postings=shape(rng.randint(1, 500)),
                        )
            except InsufficientFunds:
                pass
            except Exception as error:  # a deadlock would land here
                errors.append(error)

    at_once(*(partial(postings, i) for i in range(8)))
    assert errors == []
    assert_every_balance_is_its_entries()
    for account in (bank, fees):
        assert 1 <= BalanceShard.objects.filter(account=account).count() <= BalanceShard.SHARDS


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("second", "waits"), [("fees", False), ("customer", True)])
def test_a_posting_in_progress_never_holds_up_another_to_the_same_hub_account(books, second, waits):
    """While a fee to the hub is uncommitted, another fee to the same hub account goes
    through at once, on another shard; a debit of the same customer waits for it (the
    negative control: that row is locked by design, for its never-negative check)."""
    first_customer, other = books["customers"][0], books["customers"][1]
    for customer in (first_customer, other):
        ledger_post(
            kind="payment",
            description="in",
            postings=[Posting(books["bank"], -myr(10_000)), Posting(customer, myr(10_000))],
        )
    posted, release, outcome = threading.Event(), threading.Event(), []

    def fee(customer):
        ledger_post(
            kind="fee",
            description="fee",
            postings=[Posting(customer, -myr(100)), Posting(books["fees"], myr(100))],
        )

    def first(_):
        with transaction.atomic():
            fee(first_customer)
            posted.set()
            release.wait(10)

    def then(_):
        posted.wait(10)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
                fee(first_customer if second == "customer" else other)
            outcome.append("posted")
        except OperationalError:
            outcome.append("waited")
        finally:
            release.set()

    at_once(partial(first, 0), partial(then, 1))
    assert outcome == ["waited" if waits else "posted"]
    assert_every_balance_is_its_entries()


@kept_by_postgres
def test_a_hub_accounts_balance_reads_its_shards_not_its_history(books):
    for customer in books["customers"]:
        ledger_post(
            kind="payment",
            description="in",
            postings=[Posting(books["bank"], -myr(500)), Posting(customer, myr(500))],
        )
    with CaptureQueriesContext(connection) as captured:
        assert account_balance(books["bank"]) == -myr(2_000)
    assert len(captured) == 1
    assert "payments_entry" not in captured[0]["sql"]


@kept_by_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE payments_balanceshard SET minor = minor + 1",
        "DELETE FROM payments_balanceshard",
        "INSERT INTO payments_balanceshard (account_id, shard, minor) VALUES ({bank}, 15, 1)",
    ],
)
def test_only_the_entries_write_the_balances(books, statement):
    ledger_post(
        kind="payment",
        description="in",
        postings=[Posting(books["bank"], -myr(700)), Posting(books["customers"][0], myr(700))],
    )
    with pytest.raises(IntegrityError, match="kept by the ledger"), connection.cursor() as cursor:
        cursor.execute(statement.format(bank=books["bank"].pk))
    assert_every_balance_is_its_entries()
