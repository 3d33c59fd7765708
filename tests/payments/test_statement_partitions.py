"""The statements a partner bank reads (GET /api/v1/statements/…, JSON and camt.053) and the
portal's statement page read only the partitions of the period they show, and none before
it (PostgreSQL, EXPLAIN)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from moneyed import Money

from ewtp.common.partitions import partition_name
from payments.services.accounts import bank_clearing_account, customer_account
from payments.services.ledger import Posting, ledger_post
from tests import factories
from tests.conftest import bearer
from tests.payments.test_ledger_partitions import months, partitions_read, this_month

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="partitions are PostgreSQL's; SQLite keeps the entries in a plain table",
    ),
]


@pytest.fixture
def seller_account(cimb):
    """A payment into a seller's account through ``cimb`` on the 2nd of each of the last
    four months, 10.00 more each month."""
    clearing = bank_clearing_account(bank=cimb.client, currency="MYR")
    seller = customer_account(organization=factories.SellerFactory(), currency="MYR")
    for n, add in enumerate((-3, -2, -1, 0), start=1):
        with time_machine.travel(this_month(add) + timedelta(days=1), tick=False):
            ledger_post(
                kind="payment",
                description=f"in {n}",
                reference=f"IN-{n}",
                postings=[
                    Posting(clearing, -Money(10 * n, "MYR")),
                    Posting(seller, Money(10 * n, "MYR")),
                ],
            )
    return seller


def entry_reads(captured) -> list[set[str]]:
    return [partitions_read(q["sql"]) for q in captured if "payments_entry" in q["sql"]]


@pytest.mark.parametrize("path", ["", "/camt053"])
def test_a_statement_of_last_month_but_one_reads_no_partition_before_it(
    api, cimb, seller_account, path
):
    start = this_month(-2)
    day = (start + timedelta(days=1)).date()
    headers = bearer(api, cimb)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"/api/v1/statements/MYR{path}?from={day}&to={day}", **headers)
    assert response.status_code == 200
    if not path:
        body = response.json()
        assert [e["amount"]["amount"] for e in body["entries"]] == ["20.00"]
        assert [b["amount"]["amount"] for b in body["balances"]] == ["10.00", "30.00"]
    reads = entry_reads(captured)
    page = months(start, start)
    assert page in reads  # the page of entries: the period's partition alone
    assert all(read and not read & months(this_month(-30), this_month(-3)) for read in reads)


def test_the_portal_statement_page_reads_the_months_partition(client, seller_account):
    client.force_login(factories.member(seller_account.organization))
    shown = this_month(-1)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/payments/statement/?month={shown:%Y-%m}")
    assert [(e.amount, e.running_balance) for e in page.context["page_obj"]] == [
        (Money(30, "MYR").amount, Money(60, "MYR").amount)
    ]
    reads = entry_reads(captured)
    assert months(shown, shown) in reads
    assert not any(read & months(this_month(-30), this_month(-2)) for read in reads)
    assert partition_name("payments_entry", shown.date()) in set().union(*reads)
