"""Statements of the hub's accounts at a partner bank: JSON modelled on camt.053, and the XML."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from moneyed import Money

from payments.services import statements
from payments.services.accounts import bank_clearing_account
from payments.services.escrow import escrow_refund, escrow_release
from payments.services.intents import BankTransfer, payment_receive
from payments.services.ledger import account_balance
from payments.services.payouts import payout_request, payout_status_report, payouts_batch
from payments.services.statements import CAMT_053, camt053_schema
from tests import factories, ledger
from tests.conftest import bearer

pytestmark = pytest.mark.django_db
NS = {"c": CAMT_053}
TODAY = date.today().isoformat()


@pytest.fixture
def movements(hgh, cimb):
    """Two payments in (one refunded), a payout out and back again after a rejection."""
    kept = ledger.paid_order(destination_hub=hgh, bank=cimb.client, reference="IN-1")
    refunded = ledger.paid_order(destination_hub=hgh, bank=cimb.client, reference="IN-2")
    escrow_refund(order=refunded, actor_label="officer", reason="Customs rejected the goods")
    seller = kept.seller
    ledger.deliver(kept)
    escrow_release(order=kept, actor_label="buyer", reason="Received")
    payout = payout_request(organization=seller, amount=Money("50.00", "MYR"), actor=None)
    payouts_batch(bank=cimb.client)
    payout_status_report(
        bank=cimb.client, end_to_end_id=payout.end_to_end_id, status="rejected", reason_code="AC01"
    )
    return {"payout": payout}


def test_the_json_statement_books_each_movement_as_the_bank_does(api, cimb, movements):
    response = api.get(f"/api/v1/statements/MYR?from={TODAY}&to={TODAY}", **bearer(api, cimb))
    assert response.status_code == 200, response.content
    body = response.json()
    entries = body["entries"]
    assert [(e["kind"], e["credit_debit"], e["amount"]["amount"]) for e in entries] == [
        ("payment", "CRDT", "90.00"),
        ("payment", "CRDT", "90.00"),
        ("refund", "DBIT", "90.00"),
        ("payout", "DBIT", "50.00"),
        ("reversal", "CRDT", "50.00"),
    ]
    assert entries[3]["reference"] == movements["payout"].end_to_end_id
    assert "IN-1" in entries[0]["reference"]
    opening, closing = body["balances"]
    assert (opening["type"], opening["amount"]["amount"]) == ("OPBD", "0.00")
    assert (closing["type"], closing["amount"]["amount"], closing["credit_debit"]) == (
        "CLBD",
        "90.00",
        "CRDT",
    )
    # the bank should hold what the ledger says the clearing account owes the other way
    clearing = bank_clearing_account(bank=cimb.client, currency="MYR")
    assert account_balance(clearing) == Money("-90.00", "MYR")
    assert body["account"] == {
        "id": "EWTP-CLEARING-MYR",
        "currency": "MYR",
        "balance": {"amount": "90.00", "currency": "MYR"},
    }
    assert body["pagination"] == {
        "page": 1,
        "last_page": True,
        "entries_per_page": statements.STATEMENT_PAGE_SIZE,
        "total_entries": 5,
    }


def test_the_opening_balance_carries_what_came_before(api, cimb, movements):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    body = api.get(f"/api/v1/statements/MYR?from={tomorrow}", **bearer(api, cimb)).json()
    assert body["entries"] == []
    assert [b["amount"]["amount"] for b in body["balances"]] == ["90.00", "90.00"]


def test_the_camt053_file_validates_and_matches_the_json(api, cimb, movements):
    response = api.get(f"/api/v1/statements/MYR/camt053?from={TODAY}", **bearer(api, cimb))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    camt053_schema().validate(response.content.decode())
    root = ET.fromstring(response.content)
    entries = root.findall(".//c:Ntry", NS)
    assert [e.find("c:CdtDbtInd", NS).text for e in entries] == [
        "CRDT",
        "CRDT",
        "DBIT",
        "DBIT",
        "CRDT",
    ]
    codes = [e.find("c:BkTxCd/c:Domn/c:Fmly/c:Cd", NS).text for e in entries]
    assert codes == ["RCDT", "RCDT", "ICDT", "ICDT", "ICDT"]
    closing = root.findall(".//c:Bal", NS)[1]
    assert closing.find("c:Amt", NS).text == "90.00"
    assert closing.find("c:Amt", NS).get("Ccy") == "MYR"


def test_pages_of_entries(api, cimb, movements, monkeypatch):
    monkeypatch.setattr(statements, "STATEMENT_PAGE_SIZE", 2)
    first = api.get(f"/api/v1/statements/MYR?from={TODAY}", **bearer(api, cimb)).json()
    last = api.get(f"/api/v1/statements/MYR?from={TODAY}&page=3", **bearer(api, cimb)).json()
    assert (len(first["entries"]), first["pagination"]["last_page"]) == (2, False)
    assert (len(last["entries"]), last["pagination"]["last_page"]) == (1, True)
    assert last["balances"] == first["balances"]  # balances are the whole period's


def test_a_bank_sees_only_the_accounts_it_holds(api, cimb, movements):
    other = factories.api_client(kind="bank", name="Maybank", scopes=["statements:read"])
    headers = bearer(api, other)
    assert api.get("/api/v1/statements/", **headers).json() == []
    missing = api.get(f"/api/v1/statements/MYR?from={TODAY}", **headers)
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    mine = api.get("/api/v1/statements/", **bearer(api, cimb)).json()
    assert [a["currency"] for a in mine] == ["MYR"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("from=2026-05-02&to=2026-05-01", "to"),
        ("from=2026-01-01&to=2026-12-31", "to"),
        ("page=0", "page"),
    ],
)
def test_a_bad_period_is_a_400_with_its_field(api, cimb, movements, query, field):
    response = api.get(f"/api/v1/statements/MYR?{query}", **bearer(api, cimb))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_statements_need_a_bank_with_the_scope(api, cimb, movements):
    no_scope = factories.api_client(kind="bank", name="RHB", scopes=["payments:write"])
    assert api.get("/api/v1/statements/", **bearer(api, no_scope)).status_code == 403
    channel = factories.api_client(kind="channel", name="Shop", scopes=["statements:read"])
    assert api.get("/api/v1/statements/", **bearer(api, channel)).status_code == 403


def test_a_statement_costs_the_same_queries_whatever_its_length(api, cimb, hgh):
    headers = bearer(api, cimb)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/api/v1/statements/MYR?from={TODAY}", **headers).status_code == 200
        return len(captured)

    ledger.paid_order(destination_hub=hgh, bank=cimb.client, reference="A")
    queries()  # the token verified and cached, as a client's next call finds it
    few = queries()
    for n in range(5):
        ledger.paid_order(destination_hub=hgh, bank=cimb.client, reference=f"B{n}")
    assert queries() == few


def test_the_account_list_reads_one_query_for_one_account_or_many(
    api, cimb, hgh, django_assert_num_queries
):
    headers = bearer(api, cimb)
    ledger.paid_order(destination_hub=hgh, bank=cimb.client, reference="A")
    api.get("/api/v1/statements/", **headers)  # the token verified and cached
    with django_assert_num_queries(1):
        assert len(api.get("/api/v1/statements/", **headers).json()) == 1
    for currency in ("SGD", "USD"):
        bank_clearing_account(bank=cimb.client, currency=currency)
    with django_assert_num_queries(1):
        assert len(api.get("/api/v1/statements/", **headers).json()) == 3


def test_far_dates_and_control_characters_are_not_a_500(api, cimb, hgh):
    order = ledger.placed_order(destination_hub=hgh)
    payment_receive(
        order_reference=order.reference,
        transfer=BankTransfer(
            bank=cimb.client,
            bank_reference="REF\x01X",
            amount=Money("90.00", "MYR"),
            payer_name="Evil\x0bPayer",
        ),
    )
    headers = bearer(api, cimb)
    assert api.get("/api/v1/statements/MYR?from=9999-12-31", **headers).status_code == 400
    xml = api.get(f"/api/v1/statements/MYR/camt053?from={TODAY}", **headers)
    assert xml.status_code == 200
    camt053_schema().validate(xml.content.decode())
