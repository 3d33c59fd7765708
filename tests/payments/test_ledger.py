"""The ledger: balanced, immutable, never negative where it must not be, safe under races."""

import contextlib
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from moneyed import Money

from ewtp.common.errors import ApplicationError, ConflictError
from payments.errors import InsufficientFunds
from payments.models import Entry, LedgerTransaction
from payments.selectors import account_statement
from payments.services.accounts import (
    bank_clearing_account,
    customer_account,
    fees_account,
    fx_account,
)
from payments.services.ledger import Posting, account_balance, ledger_post, ledger_reverse
from tests import factories

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


@pytest.fixture
def books(kul):
    seller = factories.SellerFactory()
    bank = factories.api_client(name="Bank", scopes=["payments:write"]).client
    return {
        "seller": customer_account(organization=seller, currency="MYR"),
        "buyer": customer_account(organization=factories.BuyerFactory(), currency="MYR"),
        "bank": bank_clearing_account(bank=bank, currency="MYR"),
        "fees": fees_account(hub=kul, currency="MYR"),
        "fx_myr": fx_account(currency="MYR"),
    }


def fund(books, account="seller", amount="100.00", key=None):
    return ledger_post(
        kind="payment",
        description="Bank transfer in",
        reference="BANK-1",
        idempotency_key=key,
        postings=[
            Posting(books["bank"], Money(f"-{amount}", "MYR")),
            Posting(books[account], Money(amount, "MYR")),
        ],
    )


def test_a_balanced_posting_moves_money(books):
    fund(books)
    assert account_balance(books["seller"]) == Money("100.00", "MYR")
    assert account_balance(books["bank"]) == Money("-100.00", "MYR")


@pytest.mark.parametrize(
    ("postings", "code"),
    [
        ([("seller", "10.00", "MYR"), ("bank", "-9.99", "MYR")], "ledger_unbalanced"),
        ([("seller", "10.00", "MYR")], "ledger_unbalanced"),
        ([("seller", "10.00", "CNY"), ("bank", "-10.00", "CNY")], "ledger_currency_mismatch"),
        ([("seller", "10.001", "MYR"), ("bank", "-10.001", "MYR")], "ledger_precision"),
        ([("seller", "0", "MYR"), ("bank", "0", "MYR")], "ledger_precision"),
    ],
)
def test_bad_postings_are_refused_and_write_nothing(books, postings, code):
    with pytest.raises(ApplicationError) as error:
        ledger_post(
            kind="adjustment",
            description="x",
            postings=[
                Posting(books[name], Money(amount, currency)) for name, amount, currency in postings
            ],
        )
    assert error.value.code == code
    assert not Entry.objects.exists()


def test_an_organisation_balance_never_goes_negative(books):
    fund(books, amount="50.00")
    with pytest.raises(InsufficientFunds, match="holds"):
        ledger_post(
            kind="payout",
            description="Payout",
            postings=[
                Posting(books["seller"], Money("-50.01", "MYR")),
                Posting(books["bank"], Money("50.01", "MYR")),
            ],
        )
    assert account_balance(books["seller"]) == Money("50.00", "MYR")


def test_a_retried_posting_is_recorded_once(books):
    first = fund(books, key="bank-ref-778")
    again = fund(books, key="bank-ref-778")
    assert first.pk == again.pk
    assert account_balance(books["seller"]) == Money("100.00", "MYR")


def test_corrections_are_reversals_and_happen_once(books):
    original = fund(books)
    reversal = ledger_reverse(original=original, reason="Duplicate notification")
    assert reversal.reverses == original
    assert account_balance(books["seller"]) == Money("0.00", "MYR")
    with pytest.raises(ConflictError, match="already reversed"):
        ledger_reverse(original=original, reason="again")
    with pytest.raises(ConflictError):
        ledger_reverse(original=reversal, reason="undo the undo")


def test_entries_cannot_be_changed_through_the_model(books):
    entry = fund(books).entries.first()
    entry.amount_minor = 1
    with pytest.raises(ValueError, match="immutable"):
        entry.save()


def test_statement_shows_running_balances(books):
    fund(books, amount="100.00")
    ledger_post(
        kind="fee",
        description="Platform fee",
        reference="EW-1",
        postings=[
            Posting(books["seller"], Money("-2.50", "MYR")),
            Posting(books["fees"], Money("2.50", "MYR")),
        ],
    )
    rows = list(account_statement(account=books["seller"]))
    assert [(r.transaction.description, r.amount, r.running_balance) for r in rows] == [
        ("Platform fee", Decimal("-2.50"), Decimal("97.50")),
        ("Bank transfer in", Decimal("100.00"), Decimal("100.00")),
    ]


def test_statement_page_for_the_sme(client, books):
    fund(books)
    owner = factories.member(books["seller"].organization)
    client.force_login(owner)
    page = client.get("/payments/statement/")
    assert page.status_code == 200
    assert [(e.amount, e.running_balance) for e in page.context["page_obj"]] == [
        (Decimal("100.00"), Decimal("100.00"))
    ]
    client.force_login(factories.member(factories.SellerFactory()))
    assert "Bank transfer in" not in client.get("/payments/statement/").content.decode()


class LedgerMachine(RuleBasedStateMachine):
    """Random payments, transfers, fees, payouts and reversals between a few accounts."""

    def __init__(self):
        super().__init__()
        hub = factories.hub("KUL")
        bank = factories.api_client(
            name=f"Bank {LedgerTransaction.objects.count()}", scopes=["payments:write"]
        )
        self.customers = [
            customer_account(organization=factories.SellerFactory(), currency="MYR")
            for _ in range(3)
        ]
        self.system = [
            bank_clearing_account(bank=bank.client, currency="MYR"),
            fees_account(hub=hub, currency="MYR"),
        ]
        self.posted: list[LedgerTransaction] = []

    def _post(self, debit, credit, cents, kind):
        with contextlib.suppress(InsufficientFunds):
            self.posted.append(
                ledger_post(
                    kind=kind,
                    description=kind,
                    postings=[
                        Posting(debit, -Money(Decimal(cents) / 100, "MYR")),
                        Posting(credit, Money(Decimal(cents) / 100, "MYR")),
                    ],
                )
            )

    @rule(customer=st.integers(0, 2), cents=st.integers(1, 50_000))
    def payment_in(self, customer, cents):
        self._post(self.system[0], self.customers[customer], cents, "payment")

    @rule(a=st.integers(0, 2), b=st.integers(0, 2), cents=st.integers(1, 50_000))
    def release(self, a, b, cents):
        if a != b:
            self._post(self.customers[a], self.customers[b], cents, "release")

    @rule(customer=st.integers(0, 2), cents=st.integers(1, 5_000))
    def fee(self, customer, cents):
        self._post(self.customers[customer], self.system[1], cents, "fee")

    @rule(customer=st.integers(0, 2), cents=st.integers(1, 50_000))
    def payout(self, customer, cents):
        self._post(self.customers[customer], self.system[0], cents, "payout")

    @rule(index=st.integers(0, 1_000))
    def reversal(self, index):
        candidates = [
            t for t in self.posted if t.kind != "reversal" and not hasattr(t, "_reversed")
        ]
        if not candidates:
            return
        original = candidates[index % len(candidates)]
        try:
            self.posted.append(ledger_reverse(original=original, reason="random"))
            original._reversed = True
        except (InsufficientFunds, ConflictError):
            pass

    @invariant()
    def every_currency_sums_to_zero(self):
        totals = Entry.objects.values("currency").annotate(total=Sum("amount_minor"))
        assert all(row["total"] == 0 for row in totals)

    @invariant()
    def no_customer_account_is_negative(self):
        for account in self.customers:
            assert account_balance(account).amount >= 0

    @invariant()
    def each_customer_row_holds_the_sum_of_its_entries(self):
        for account in self.customers:
            entries = Entry.objects.filter(account=account).aggregate(total=Sum("amount_minor"))
            account.refresh_from_db(fields=["held_minor"])
            assert (account.held_minor or 0) == (entries["total"] or 0)


def test_random_sequences_keep_the_ledger_balanced(kul):
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_an_unbalanced_commit(books):
    def post_by_hand():
        with transaction.atomic():
            ledger_transaction = LedgerTransaction.objects.create(
                kind="adjustment", description="by hand"
            )
            Entry.objects.bulk_create(
                [
                    Entry(
                        transaction=ledger_transaction,
                        account=books["seller"],
                        amount_minor=500,
                        currency="MYR",
                    )
                ]
            )

    with pytest.raises(IntegrityError, match="does not balance"):
        post_by_hand()  # the service's checks are bypassed: the database is the last guard
    assert not Entry.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_change_an_entry(books):
    fund(books)
    with pytest.raises(IntegrityError, match="immutable"):
        Entry.objects.update(amount_minor=1)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_payouts_of_the_same_funds_one_succeeds(books):
    fund(books, amount="100.00")
    outcomes, barrier = [], threading.Barrier(20)

    def payout():
        barrier.wait()
        try:
            ledger_post(
                kind="payout",
                description="Payout",
                postings=[
                    Posting(books["seller"], Money("-100.00", "MYR")),
                    Posting(books["bank"], Money("100.00", "MYR")),
                ],
            )
            outcomes.append("ok")
        except InsufficientFunds:
            outcomes.append("insufficient")
        finally:
            connection.close()

    threads = [threading.Thread(target=payout) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1 and outcomes.count("insufficient") == 19
    assert account_balance(books["seller"]) == Money("0.00", "MYR")
    assert all(
        row["total"] == 0
        for row in Entry.objects.values("currency").annotate(total=Sum("amount_minor"))
    )
