"""The ledger's entries partitioned by month (PostgreSQL): each posting in its month's
partition (or the default one), the guards on every partition, months created ahead by the
kernel's partition manager, and reads of a period that touch only that period's partitions
(EXPLAIN)."""

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from moneyed import Money

from ewtp.common.months import month_added, month_after, month_of, month_start
from ewtp.common.partitions import partition_months, partition_name, partitions_ensure
from payments.models import Entry, LedgerTransaction
from payments.selectors.accounts import (
    account_entries_between,
    account_period_totals,
    account_statement,
)
from payments.services.accounts import bank_clearing_account, customer_account
from payments.services.ledger import Posting, account_balance_at, ledger_post
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="partitions are PostgreSQL's; SQLite keeps the entries in a plain table",
    ),
]


def this_month(add: int = 0) -> datetime:
    return month_start(month_added(month_of(timezone.now()), add))


@pytest.fixture
def books(kul):
    bank = factories.api_client(name="Bank", scopes=["payments:write"]).client
    return {
        "seller": customer_account(organization=factories.SellerFactory(), currency="MYR"),
        "bank": bank_clearing_account(bank=bank, currency="MYR"),
    }


def pay_in(books, amount="10.00", at: datetime | None = None):
    postings = [
        Posting(books["bank"], -Money(amount, "MYR")),
        Posting(books["seller"], Money(amount, "MYR")),
    ]
    if at is None:
        return ledger_post(kind="payment", description="in", postings=postings)
    with time_machine.travel(at, tick=False):
        return ledger_post(kind="payment", description="in", postings=postings)


def partitions_read(sql: str) -> set[str]:
    """The partitions of payments_entry that the plan of ``sql`` reads."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found = set()

    def walk(node):
        if isinstance(node, dict):
            name = node.get("Relation Name", "")
            if name.startswith("payments_entry"):
                found.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(plan)
    return found


def months(first: datetime, last: datetime) -> set[str]:
    names, month = set(), first.date()
    while month <= last.date():
        names.add(partition_name("payments_entry", month))
        month = month_after(month)
    return names


def test_the_entries_are_partitioned_by_month_with_months_ahead():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = 'payments_entry'::regclass"
        )
        assert cursor.fetchone() == ("r", "created_at")
    names = set(partition_months("payments_entry").values())
    assert months(this_month(-24), this_month(12)) <= names
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('payments_entry_default') IS NOT NULL")
        assert cursor.fetchone()[0]


def test_a_posting_lands_in_its_months_partition(books):
    last_month = this_month(-1) + timedelta(days=3)
    posted = [pay_in(books), pay_in(books, at=last_month)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT transaction_id, tableoid::regclass::text FROM payments_entry "
            "WHERE transaction_id IN (%s, %s) ORDER BY transaction_id",
            [posted[0].pk, posted[1].pk],
        )
        assert cursor.fetchall() == [
            (posted[0].pk, partition_name("payments_entry", this_month().date())),
            (posted[1].pk, partition_name("payments_entry", last_month.date())),
        ]
    # Django still knows an entry by its id alone
    entry = Entry.objects.filter(transaction=posted[1]).first()
    assert Entry.objects.get(pk=entry.pk).created_at == last_month


@pytest.mark.django_db(transaction=True)
def test_every_partition_refuses_a_change_to_an_entry(books):
    pay_in(books, at=this_month(-2))
    partition = partition_name("payments_entry", this_month(-2).date())
    for statement in (f"UPDATE {partition} SET amount_minor = 1", f"DELETE FROM {partition}"):
        with pytest.raises(IntegrityError, match="immutable"), connection.cursor() as cursor:
            cursor.execute(statement)
    assert Entry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("days", [-40, 2])
def test_an_entry_not_dated_with_its_transaction_is_refused(books, days):
    """The balance check reads the partitions of its transaction's day, so an entry dated
    before it or days after would escape it: the database refuses one."""

    def post_by_hand():
        with transaction.atomic():
            row = LedgerTransaction.objects.create(kind="adjustment", description="by hand")
            with time_machine.travel(timezone.now() + timedelta(days=days), tick=False):
                for account, minor in ((books["bank"], -500), (books["seller"], 500)):
                    Entry.objects.create(
                        transaction=row, account=account, amount_minor=minor, currency="MYR"
                    )

    with pytest.raises(IntegrityError, match="not dated with it"):
        post_by_hand()
    assert not Entry.objects.exists()


def test_a_month_without_its_partition_lands_in_the_default_one(books):
    far = this_month(40) + timedelta(days=2)
    posted = pay_in(books, at=far)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tableoid::regclass::text FROM payments_entry "
            "WHERE transaction_id = %s",
            [posted.pk],
        )
        assert cursor.fetchall() == [("payments_entry_default",)]
    assert account_balance_at(books["bank"], far + timedelta(days=1)) == Money("-10.00", "MYR")


def test_the_kernels_daily_job_creates_the_ledgers_months_ahead(settings):
    settings.PARTITIONED_TABLES = {"payments.Entry": {"key": "created_at"}}
    wanted = [partition_name("payments_entry", this_month(n).date()) for n in (13, 14)]
    assert partitions_ensure(months_ahead=14) == wanted
    assert partitions_ensure(months_ahead=14) == []


def test_a_period_reads_only_its_partitions(books):
    for add in (-3, -2, -1, 0):
        pay_in(books, at=this_month(add) + timedelta(days=1))
    start, end = this_month(-2), this_month(-1)
    account = books["bank"]
    with CaptureQueriesContext(connection) as captured:
        entries = list(account_entries_between(account=account, start=start, end=end))
        totals = account_period_totals(account=account, start=start, end=end)
        statement = list(account_statement(account=account, start=start, end=end))
    assert [e.amount_minor for e in entries] == [-1000]
    assert (totals.opening_minor, totals.moved_minor, totals.count) == (-1000, -1000, 1)
    assert [e.running_balance for e in statement] == [Money("-20.00", "MYR").amount]
    reads = [partitions_read(q["sql"]) for q in captured if "payments_entry" in q["sql"]]
    period = months(start, start)
    assert reads[0] == period  # the period's entries: its own partition, nothing else
    # the balances subtract what came since from the balance kept now: the partitions from
    # the period's month on, none before it
    earlier = months(this_month(-30), this_month(-3))
    assert all(read and not read & earlier for read in reads)
    assert period <= reads[1]
