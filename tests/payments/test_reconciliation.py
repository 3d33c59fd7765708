"""The bank's camt.053 statements reconciled with the ledger: the hub's own export sent back
matches entry for entry; a missing or an extra entry is listed; the same statement twice
changes nothing; hostile, malformed, oversized and foreign files are refused with the reason
and change nothing; the API asks for its scope."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from moneyed import Money

from payments.models import StatementLine, StatementReconciliation
from payments.services.camt053 import EntryIn
from payments.services.escrow import escrow_refund, escrow_release
from payments.services.fx import fx_rates_load
from payments.services.payouts import payout_request, payout_status_report, payouts_batch
from payments.services.reconciliation import LedgerRow, entries_match, statement_reconcile
from payments.services.statements import bank_statement, camt053_render
from payments.services.treasury import treasury_settle
from tests import factories, ledger
from tests.conftest import bearer

pytestmark = pytest.mark.django_db
TODAY = timezone.now().date()


@pytest.fixture
def movements(hgh, cimb):
    """Money in (one payment refunded, one in CNY), out (a payout rejected then one paid),
    and the day's FX settled: every kind of line a clearing account has."""
    fx_rates_load()
    kept = ledger.paid_order(destination_hub=hgh, bank=cimb.client, reference="IN-1")
    refunded = ledger.paid_order(destination_hub=hgh, bank=cimb.client, reference="IN-2")
    escrow_refund(order=refunded, actor_label="officer", reason="Customs rejected the goods")
    converted = ledger.paid_order(
        destination_hub=hgh, bank=cimb.client, payment_currency="CNY", reference="IN-3"
    )
    for order in (kept, converted):
        escrow_release(order=ledger.deliver(order), actor_label="buyer", reason="Received")
    rejected = payout_request(organization=kept.seller, amount=Money("50.00", "MYR"), actor=None)
    paid = payout_request(organization=kept.seller, amount=Money("20.00", "MYR"), actor=None)
    payouts_batch(bank=cimb.client)
    for payout, status in ((rejected, "rejected"), (paid, "settled")):
        payout_status_report(
            bank=cimb.client,
            end_to_end_id=payout.end_to_end_id,
            status=status,
            reason_code="AC01" if status == "rejected" else "",
        )
    treasury_settle(bank=cimb.client, day=TODAY)


def export(bank, currency="MYR", day=TODAY) -> bytes:
    """The hub's own camt.053 of the account: what an honest bank's statement says."""
    return camt053_render(
        statement=bank_statement(bank=bank.client, currency=currency, date_from=day, date_to=day)
    )


def send(api, credentials, body: bytes, content_type="application/xml"):
    return api.generic(
        "POST", "/api/v1/reconciliations/", body, content_type, **bearer(api, credentials)
    )


def entries_of(xml: bytes) -> list[bytes]:
    return re.findall(rb"<Ntry>.*?</Ntry>", xml, re.DOTALL)


# --- the hub's own statement sent back ---------------------------------------------------


@pytest.mark.parametrize("currency", ["MYR", "CNY"])
def test_the_hubs_own_statement_sent_back_matches_entry_for_entry(cimb, movements, currency):
    xml = export(cimb, currency)
    (reconciliation,), created = statement_reconcile(bank=cimb.client, data=xml, actor_label="t")
    assert created
    assert reconciliation.status == "agreed"
    assert reconciliation.entries == len(entries_of(xml)) > 0
    assert (reconciliation.statement_only, reconciliation.ledger_only) == (0, 0)
    assert reconciliation.closing == reconciliation.ledger_closing
    assert reconciliation.opening == reconciliation.ledger_opening
    assert not reconciliation.lines.exclude(outcome="matched").exists()


def test_the_bank_sends_its_statement_over_the_api(api, cimb, movements):
    xml = export(cimb)
    response = send(api, cimb, xml)
    assert response.status_code == 201, response.content
    (body,) = response.json()
    assert body["status"] == "agreed"
    assert body["account"] == "EWTP-CLEARING-MYR"
    assert (body["unmatched_in_statement"], body["unmatched_in_ledger"]) == (0, 0)
    assert body["closing"] == body["ledger_closing"]
    # the same statement again (even re-issued with a new creation time): nothing changes
    lines = StatementLine.objects.count()
    again = send(api, cimb, export(cimb))
    assert again.status_code == 200
    assert again.json()[0]["id"] == body["id"]
    assert (StatementReconciliation.objects.count(), StatementLine.objects.count()) == (1, lines)


def test_a_missing_and_an_extra_entry_are_listed(cimb, movements):
    xml = export(cimb)
    first, *_rest = entries_of(xml)
    extra = re.sub(rb"<NtryRef>[^<]*</NtryRef>", b"<NtryRef>BANK-FEE-1</NtryRef>", first)
    extra = re.sub(rb"<AcctSvcrRef>[^<]*</AcctSvcrRef>", b"<AcctSvcrRef>FEE</AcctSvcrRef>", extra)
    extra = re.sub(rb"<Amt Ccy=\"MYR\">[^<]*</Amt>", b'<Amt Ccy="MYR">7.77</Amt>', extra)
    changed = xml.replace(first, extra)  # the first entry is gone, a bank fee is there

    (reconciliation,), _ = statement_reconcile(bank=cimb.client, data=changed, actor_label="t")

    assert reconciliation.status == "differences"
    assert (reconciliation.statement_only, reconciliation.ledger_only) == (1, 1)
    in_statement = reconciliation.lines.get(outcome="statement_only")
    assert (in_statement.amount, in_statement.entry_reference) == (
        Money("7.77", "MYR"),
        "BANK-FEE-1",
    )
    in_ledger = reconciliation.lines.get(outcome="ledger_only")
    assert in_ledger.entry_reference in first.decode()
    assert "IN-1" in in_ledger.reference


def test_a_balance_the_ledger_does_not_have_is_a_difference(cimb, movements):
    xml = export(cimb)
    closing = re.findall(rb"<Bal>.*?</Bal>", xml, re.DOTALL)[1]
    wrong = re.sub(rb"(<Amt Ccy=\"MYR\">)[^<]*(</Amt>)", rb"\g<1>1.00\g<2>", closing)
    (reconciliation,), _ = statement_reconcile(
        bank=cimb.client, data=xml.replace(closing, wrong), actor_label="t"
    )
    assert reconciliation.status == "differences"
    assert reconciliation.statement_only == reconciliation.ledger_only == 0
    assert reconciliation.closing_difference != Money(0, "MYR")


def test_other_content_under_an_id_already_received_is_refused(api, cimb, movements):
    xml = export(cimb)
    assert send(api, cimb, xml).status_code == 201
    first = entries_of(xml)[0]
    response = send(api, cimb, xml.replace(first, b""))
    assert response.status_code == 409
    assert response.json()["code"] == "statement_conflict"
    assert StatementReconciliation.objects.count() == 1


def test_a_camt053_001_02_statement_is_read_too(cimb, movements):
    statement = bank_statement(bank=cimb.client, currency="MYR", date_from=TODAY, date_to=TODAY)
    entries = "".join(
        f"""<Ntry><Amt Ccy="MYR">{e.amount.amount:f}</Amt><CdtDbtInd>{e.credit_debit}</CdtDbtInd>
        <Sts>BOOK</Sts><BookgDt><Dt>{e.booked_at.date()}</Dt></BookgDt>
        <AcctSvcrRef>{e.transaction_reference[:35]}</AcctSvcrRef>
        <BkTxCd><Prtry><Cd>X</Cd></Prtry></BkTxCd></Ntry>"""
        for e in statement.entries
    )

    def balance(code, money):
        indicator = "CRDT" if money.amount >= 0 else "DBIT"
        return f"""<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>
        <Amt Ccy="MYR">{abs(money.amount):f}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>
        <Dt><Dt>{TODAY}</Dt></Dt></Bal>"""

    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
    <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
    <GrpHdr><MsgId>V2-1</MsgId><CreDtTm>{TODAY}T23:00:00</CreDtTm></GrpHdr>
    <Stmt><Id>V2-STMT-1</Id><CreDtTm>{TODAY}T23:00:00</CreDtTm>
    <Acct><Id><Othr><Id>EWTP-CLEARING-MYR</Id></Othr></Id><Ccy>MYR</Ccy></Acct>
    {balance("OPBD", statement.opening)}{balance("CLBD", statement.closing)}{entries}
    </Stmt></BkToCstmrStmt></Document>""".encode()
    (reconciliation,), _ = statement_reconcile(bank=cimb.client, data=xml, actor_label="t")
    assert reconciliation.status == "agreed", list(reconciliation.lines.values())
    assert reconciliation.entries == len(statement.entries)


# --- files refused -----------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&lol3;</Document>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&secret;</Document>"""
PAIN_001 = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>"""
NOT_A_STATEMENT = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt/></Document>"""


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (BILLION_LAUGHS, "statement_xml_forbidden"),
        (EXTERNAL_ENTITY, "statement_xml_forbidden"),
        (b"<Document><unclosed></Document>", "statement_not_xml"),
        (b"", "statement_not_xml"),
        (b"\xff\xfe not xml at all", "statement_not_xml"),
        (PAIN_001, "statement_message"),
        (NOT_A_STATEMENT, "statement_schema"),
    ],
)
def test_hostile_and_malformed_files_are_a_400_naming_the_reason(api, cimb, body, code):
    response = send(api, cimb, body)
    assert response.status_code == 400, response.content
    problem = response.json()
    assert problem["code"] == code
    assert problem["detail"]
    assert not StatementReconciliation.objects.exists()


def test_a_statement_of_an_account_the_hub_does_not_hold_there_is_refused(api, cimb, movements):
    other = factories.api_client(kind="bank", name="Maybank", scopes=["statements:write"])
    response = send(api, other, export(cimb))  # CIMB's statement, sent by Maybank
    assert response.status_code == 400
    assert response.json()["code"] == "statement_account"
    assert "Maybank" in response.json()["detail"]
    renamed = export(cimb).replace(b"EWTP-CLEARING-MYR", b"MY-ACCOUNT-1")
    assert send(api, cimb, renamed).json()["code"] == "statement_account"
    assert not StatementReconciliation.objects.exists()


def test_a_paged_statement_is_refused(api, cimb, movements):
    paged = export(cimb).replace(b"<LastPgInd>true</LastPgInd>", b"<LastPgInd>false</LastPgInd>")
    response = send(api, cimb, paged)
    assert response.status_code == 400
    assert "several pages" in response.json()["detail"]


def test_an_oversized_file_is_refused_before_and_after_it_is_read(api, cimb, settings):
    settings.STATEMENT_MAX_BYTES = 2048
    body = b"<x>" + b" " * 100_000 + b"</x>"
    # said by its Content-Length: refused unread
    assert send(api, cimb, body).status_code == 413
    # not said (or said wrong): the service counts what it read
    with pytest.raises(Exception, match="larger than") as refused:
        statement_reconcile(bank=cimb.client, data=body, actor_label="t")
    assert refused.value.status == 413


def test_the_api_needs_its_scope_a_bank_and_xml(api, cimb, movements):
    reader = factories.api_client(kind="bank", name="Reader", scopes=["statements:read"])
    assert send(api, reader, export(cimb)).status_code == 403
    channel = factories.api_client(kind="channel", name="Shop", scopes=["statements:write"])
    assert send(api, channel, export(cimb)).status_code == 403
    response = send(api, cimb, b"{}", content_type="application/json")
    assert response.status_code == 415
    anonymous = api.post("/api/v1/reconciliations/", export(cimb), content_type="application/xml")
    assert anonymous.status_code == 401
    assert send(api, cimb, export(cimb), content_type="text/xml").status_code == 201


def test_the_schema_documents_the_upload(api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/reconciliations/"]["post"]
    assert "application/xml" in operation["requestBody"]["content"]
    assert operation["security"] == [{"oauth2": ["statements:write"]}]
    assert {"200", "201", "400", "409", "413", "415"} <= set(operation["responses"])


# --- the matching rule on its own ---------------------------------------------------------


def row(entry_id, references, amount=100, day=date(2026, 5, 4), credit_debit="CRDT", inside=True):
    return LedgerRow(entry_id, frozenset(references), amount, credit_debit, day, inside)


def line(references, amount=100, day=date(2026, 5, 4), credit_debit="CRDT"):
    return EntryIn("", tuple(references), amount, credit_debit, day, "")


def test_a_line_matches_on_reference_amount_direction_and_date():
    ledger_rows = [
        row(1, {"A"}),
        row(2, {"B"}, amount=200),
        row(3, {"C"}, credit_debit="DBIT"),
        row(4, {"D"}, day=date(2026, 5, 1)),
    ]
    matched, left = entries_match(
        (line(["A"]), line(["B"]), line(["C"]), line(["D"]), line(["Z"])),
        ledger_rows,
        tolerance_days=1,
    )
    # only A agrees in everything: B's amount, C's direction, D's date (3 days) differ
    assert matched == [1, None, None, None, None]
    assert [r.entry_id for r in left] == [2, 3, 4]


def test_two_alike_lines_take_two_entries_nearest_date_first():
    later = row(1, {"X"}, day=date(2026, 5, 5))
    same_day = row(2, {"X"})
    outside = row(3, {"X"}, inside=False)  # beyond the period: a candidate, never "missing"
    matched, left = entries_match(
        (line(["X"]), line(["X"]), line(["X"]), line(["X"])),
        [later, same_day, outside],
        tolerance_days=1,
    )
    assert matched == [2, 3, 1, None]
    assert left == []


def test_a_bank_booking_after_midnight_matches_within_the_tolerance(cimb, movements):
    xml = export(cimb)
    tomorrow = (TODAY + timedelta(days=1)).isoformat().encode()
    moved = re.sub(
        rb"<ValDt><Dt>[^<]*</Dt></ValDt>", b"<ValDt><Dt>" + tomorrow + b"</Dt></ValDt>", xml
    )
    moved = re.sub(
        rb"<BookgDt><DtTm>[^<]*</DtTm></BookgDt>",
        b"<BookgDt><DtTm>" + tomorrow + b"T00:10:00+00:00</DtTm></BookgDt>",
        moved,
    )
    (reconciliation,), _ = statement_reconcile(bank=cimb.client, data=moved, actor_label="t")
    assert reconciliation.statement_only == 0


# --- the portal ---------------------------------------------------------------------------


def officer_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client, bank, body: bytes, name="statement.xml"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/payments/treasury/reconciliation/",
        {"bank": bank.client.pk, "file": SimpleUploadedFile(name, body, "application/xml")},
    )


def test_an_officer_uploads_a_statement_and_sees_no_unmatched_entry(mdec_officer, cimb, movements):
    client = officer_client(mdec_officer)
    response = upload(client, cimb, export(cimb))
    reconciliation = StatementReconciliation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/treasury/reconciliation/{reconciliation.public_id}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["statement_only"] == page.context["ledger_only"] == []
    listing = client.get("/payments/treasury/reconciliation/")
    assert listing.context["unmatched"] == []
    assert "No unmatched entry." in listing.content.decode()


def test_a_bad_file_is_a_form_error_and_changes_nothing(mdec_officer, cimb, settings):
    client = officer_client(mdec_officer)
    response = upload(client, cimb, EXTERNAL_ENTITY)
    assert response.status_code == 200
    assert "declares a DTD or entities" in response.context["form"].errors["file"][0]
    settings.STATEMENT_MAX_BYTES = 1024
    too_large = upload(client, cimb, b"<x>" + b" " * 2000 + b"</x>")
    assert "larger than" in too_large.context["form"].errors["file"][0]
    assert not StatementReconciliation.objects.exists()


def test_only_officers_who_reconcile_may_upload(sme_owner, cimb):
    assert upload(officer_client(sme_owner), cimb, b"<x/>").status_code == 403


def test_the_reconciliation_pages_run_a_fixed_number_of_queries(mdec_officer, cimb, movements):
    client = officer_client(mdec_officer)
    statement_reconcile(bank=cimb.client, data=export(cimb), actor_label="t")
    first = export(cimb, "CNY")
    statement_reconcile(bank=cimb.client, data=first, actor_label="t")
    one = _queries(client, "/payments/treasury/reconciliation/")
    detail = StatementReconciliation.objects.first()
    one_detail = _queries(client, f"/payments/treasury/reconciliation/{detail.public_id}/")
    # more statements, with unmatched lines on both sides
    xml = export(cimb)
    for n in range(3):
        changed = xml.replace(b"<Id>EWTP-MYR", f"<Id>X{n}-EWTP-MYR".encode())
        changed = changed.replace(entries_of(xml)[0], b"")
        statement_reconcile(bank=cimb.client, data=changed, actor_label="t")
    assert _queries(client, "/payments/treasury/reconciliation/") == one
    detail = StatementReconciliation.objects.filter(status="differences").first()
    assert _queries(client, f"/payments/treasury/reconciliation/{detail.public_id}/") == one_detail


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: the session, the user
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)
