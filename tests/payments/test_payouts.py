"""Payouts: balance to the seller's bank through a partner bank, as validated pain.001 batches."""

import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.core.management import call_command
from moneyed import Money

from ewtp.common.errors import ApplicationError, ConflictError
from hubs.services.organizations import organization_update
from payments.models import Payout, PayoutBatch
from payments.services.accounts import bank_clearing_account, customer_account
from payments.services.ledger import InsufficientFunds, Posting, account_balance, ledger_post
from payments.services.pain001 import pain001_schema
from payments.services.payouts import (
    pain001_render,
    payout_request,
    payout_status_report,
    payouts_batch,
)
from tests import factories
from tests.conftest import issue_token
from tests.ledger import ledger_balanced as balanced

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(kul):
    credentials = factories.api_client(
        kind="bank", name="CIMB", scopes=["payouts:read", "payouts:write"]
    )
    seller = factories.SellerFactory()
    owner = factories.member(seller)
    balance = customer_account(organization=seller, currency="MYR")
    ledger_post(
        kind="release",
        description="sales",
        postings=[
            Posting(
                bank_clearing_account(bank=credentials.client, currency="MYR"),
                Money("-500.00", "MYR"),
            ),
            Posting(balance, Money("500.00", "MYR")),
        ],
    )
    return {
        "bank": credentials.client,
        "credentials": credentials,
        "seller": seller,
        "owner": owner,
        "balance": balance,
    }


def test_a_payout_takes_the_balance_at_once(setup):
    payout = payout_request(
        organization=setup["seller"], amount=Money("200.00", "MYR"), actor=setup["owner"]
    )
    assert payout.status == "requested"
    assert account_balance(setup["balance"]) == Money("300.00", "MYR")
    with pytest.raises(InsufficientFunds):
        payout_request(
            organization=setup["seller"], amount=Money("300.01", "MYR"), actor=setup["owner"]
        )
    assert balanced()


def test_only_owners_request_payouts(setup):
    from ewtp.common.errors import NotAllowedError

    staff = factories.member(setup["seller"], role="staff")
    with pytest.raises(NotAllowedError):
        payout_request(organization=setup["seller"], amount=Money("1.00", "MYR"), actor=staff)


def test_a_batch_renders_a_pain001_that_validates_against_the_iso_schema(setup):
    for amount in ("120.00", "80.50"):
        payout_request(
            organization=setup["seller"], amount=Money(amount, "MYR"), actor=setup["owner"]
        )
    batch = payouts_batch(bank=setup["bank"])
    assert batch.payouts.count() == 2
    assert payouts_batch(bank=setup["bank"]) is None  # nothing left to batch
    xml = pain001_render(batch=batch)
    assert pain001_schema().is_valid(xml.decode())
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
    root = ET.fromstring(xml)
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", ns).text == "2"
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", ns).text == "200.50"
    amounts = [e.text for e in root.iterfind(".//p:InstdAmt", ns)]
    assert sorted(amounts) == ["120.00", "80.50"]


def test_settled_and_rejected_reports(setup):
    kept = payout_request(
        organization=setup["seller"], amount=Money("100.00", "MYR"), actor=setup["owner"]
    )
    bounced = payout_request(
        organization=setup["seller"], amount=Money("50.00", "MYR"), actor=setup["owner"]
    )
    payouts_batch(bank=setup["bank"])
    payout_status_report(bank=setup["bank"], end_to_end_id=kept.end_to_end_id, status="settled")
    with pytest.raises(ApplicationError, match="reason code"):
        payout_status_report(
            bank=setup["bank"], end_to_end_id=bounced.end_to_end_id, status="rejected"
        )
    payout_status_report(
        bank=setup["bank"],
        end_to_end_id=bounced.end_to_end_id,
        status="rejected",
        reason_code="AC01",
    )
    assert account_balance(setup["balance"]) == Money("400.00", "MYR")  # 500 − 100 settled; 50 back
    with pytest.raises(ConflictError):
        payout_status_report(
            bank=setup["bank"],
            end_to_end_id=kept.end_to_end_id,
            status="rejected",
            reason_code="AC01",
        )
    assert balanced()


def test_the_bank_downloads_and_reports_over_the_api(
    api, setup, django_capture_on_commit_callbacks
):
    payout = payout_request(
        organization=setup["seller"], amount=Money("120.00", "MYR"), actor=setup["owner"]
    )
    batch = payouts_batch(bank=setup["bank"])
    token = issue_token(api, setup["credentials"]).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    listed = api.get("/api/v1/payouts/batches/", **auth).json()["results"]
    assert [b["message_id"] for b in listed] == [batch.message_id]
    assert listed[0]["payout_count"] == 1
    assert listed[0]["totals"] == [{"amount": "120.00", "currency": "MYR"}]
    payouts = api.get(listed[0]["payouts_url"], **auth).json()["results"]
    assert [p["end_to_end_id"] for p in payouts] == [payout.end_to_end_id]
    assert payouts[0]["amount"] == {"amount": "120.00", "currency": "MYR"}
    file = api.get(listed[0]["pain001_url"], **auth)
    assert file.status_code == 200 and file["Content-Type"] == "application/xml"
    assert pain001_schema().is_valid(file.content.decode())

    body = {"end_to_end_id": payout.end_to_end_id, "status": "rejected", "reason_code": "AC04"}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(
            "/api/v1/payouts/status", body, format="json", HTTP_IDEMPOTENCY_KEY="cimb-st-1", **auth
        )
    again = api.post(
        "/api/v1/payouts/status", body, format="json", HTTP_IDEMPOTENCY_KEY="cimb-st-1", **auth
    )
    assert first.status_code == again.status_code == 200
    assert Payout.objects.get(pk=payout.pk).status == "rejected"
    assert account_balance(setup["balance"]) == Money("500.00", "MYR")  # returned once
    assert "rejected" in mail.outbox[-1].subject


def test_a_bank_sees_only_its_own_batches(api, setup):
    payout_request(organization=setup["seller"], amount=Money("10.00", "MYR"), actor=setup["owner"])
    batch = payouts_batch(bank=setup["bank"])
    other = factories.api_client(
        kind="bank", name="Maybank", scopes=["payouts:read", "payouts:write"]
    )
    token = issue_token(api, other).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert api.get("/api/v1/payouts/batches/", **auth).json()["results"] == []
    assert api.get(f"/api/v1/payouts/batches/{batch.public_id}/pain001", **auth).status_code == 404
    assert api.get(f"/api/v1/payouts/batches/{batch.public_id}/payouts/", **auth).status_code == 404
    report = api.post(
        "/api/v1/payouts/status",
        {"end_to_end_id": batch.payouts.get().end_to_end_id, "status": "settled"},
        format="json",
        **auth,
    )
    assert report.status_code == 404
    assert report.json()["code"] == "payout_unknown"
    assert batch.payouts.get().status == "batched"


def test_the_owner_requests_a_payout_on_the_statement_page(client, setup):
    client.force_login(setup["owner"])
    response = client.post("/payments/statement/", {"currency": "MYR", "amount": "75.00"})
    assert response.status_code == 302
    assert Payout.objects.get().amount == Money("75.00", "MYR")
    bad = client.post("/payments/statement/", {"currency": "MYR", "amount": "1.001"}, follow=True)
    assert "decimal places" in bad.content.decode()
    assert Payout.objects.count() == 1


def test_a_double_submitted_payout_form_is_one_payout(client, setup):
    client.force_login(setup["owner"])
    form = {"currency": "MYR", "amount": "75.00", "request_key": "k-123"}
    client.post("/payments/statement/", form)
    client.post("/payments/statement/", form)
    assert Payout.objects.count() == 1
    assert account_balance(setup["balance"]) == Money("425.00", "MYR")


def test_a_rejection_flags_the_account_until_the_owner_changes_it(setup, client):
    payout = payout_request(
        organization=setup["seller"], amount=Money("50.00", "MYR"), actor=setup["owner"]
    )
    call_command("payouts_batch")  # on demand, as beat does daily
    payout_status_report(
        bank=setup["bank"],
        end_to_end_id=payout.end_to_end_id,
        status="rejected",
        reason_code="AC04",
    )
    seller = setup["seller"]
    seller.refresh_from_db()
    assert seller.payout_account_problem.startswith("AC04")
    with pytest.raises(ApplicationError, match="rejected the last payout"):
        payout_request(organization=seller, amount=Money("10.00", "MYR"), actor=setup["owner"])
    client.force_login(setup["owner"])
    assert "The bank rejected a payout" in client.get("/organisation/").content.decode()
    organization_update(
        organization=seller, payout_account_number="514099998888", actor=setup["owner"]
    )
    seller.refresh_from_db()
    assert seller.payout_account_problem == ""
    assert payout_request(organization=seller, amount=Money("10.00", "MYR"), actor=setup["owner"])


def test_the_batch_outputs_are_what_their_declared_fields_give(setup):
    """The list and the payouts write their output out by hand for speed: the same as DRF's
    path over the declared fields (which the OpenAPI schema is made from)."""
    from rest_framework import serializers

    from payments.api.payouts import BatchOutput, PayoutOutput
    from payments.selectors import batch_payout_rows

    payout_request(
        organization=setup["seller"], amount=Money("120.00", "MYR"), actor=setup["owner"]
    )
    batch = payouts_batch(bank=setup["bank"])
    batch.downloaded_at = batch.created_at
    output = BatchOutput(context={"payouts_url": "https://hub.example/p", "pain001_url": "/f"})
    one = PayoutOutput()
    listed = output.to_representation(batch)
    assert listed == serializers.Serializer.to_representation(output, batch)
    assert listed["totals"] == [{"amount": "120.00", "currency": "MYR"}]
    row = batch_payout_rows(batch=batch)[0]
    assert one.to_representation(row) == serializers.Serializer.to_representation(one, row)
    assert one.to_representation(row)["amount"] == {"amount": "120.00", "currency": "MYR"}


def test_a_batch_totals_its_payouts_per_currency():
    from payments.services.payouts import payout_totals

    payouts = [
        Payout(amount_minor=minor, currency=currency)
        for minor, currency in ((1000, "MYR"), (7000, "KWD"), (250, "MYR"))
    ]
    assert payout_totals(payouts) == [
        {"currency": "KWD", "minor": 7000},
        {"currency": "MYR", "minor": 1250},
    ]
    assert payout_totals([]) == []


def test_a_batch_keeps_what_it_holds(setup):
    for amount in ("10.00", "2.50"):
        payout_request(
            organization=setup["seller"], amount=Money(amount, "MYR"), actor=setup["owner"]
        )
    batch = payouts_batch(bank=setup["bank"])
    batch.refresh_from_db()
    assert batch.payout_count == 2
    assert batch.totals == [{"currency": "MYR", "minor": 1250}]


def test_a_batch_lists_its_payouts_a_page_at_a_time(api, setup):
    for _ in range(3):
        payout_request(
            organization=setup["seller"], amount=Money("10.00", "MYR"), actor=setup["owner"]
        )
    batch = payouts_batch(bank=setup["bank"])
    token = issue_token(api, setup["credentials"]).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = f"/api/v1/payouts/batches/{batch.public_id}/payouts/"
    first = api.get(url, {"page_size": 2}, **auth).json()
    rest = api.get(first["next"], **auth).json()
    seen = [p["end_to_end_id"] for p in first["results"] + rest["results"]]
    assert sorted(seen) == sorted(batch.payouts.values_list("end_to_end_id", flat=True))
    assert len(set(seen)) == 3 and rest["next"] is None
    assert api.get(url, {"status": "settled"}, **auth).json()["results"] == []
    refused = api.get(url, {"status": "paid"}, **auth)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "status"


def test_the_batch_list_reads_the_same_queries_for_one_batch_or_many(api, setup, kul):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = issue_token(api, setup["credentials"]).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def listed() -> tuple[int, int]:
        api.get("/api/v1/payouts/batches/", **auth)  # the token cached, as a client finds it
        with CaptureQueriesContext(connection) as captured:
            body = api.get("/api/v1/payouts/batches/", **auth).json()
        return len(captured), sum(b["payout_count"] for b in body["results"])

    payout_request(organization=setup["seller"], amount=Money("10.00", "MYR"), actor=setup["owner"])
    payouts_batch(bank=setup["bank"])
    one = listed()
    for _ in range(3):
        payout_request(
            organization=setup["seller"], amount=Money("10.00", "MYR"), actor=setup["owner"]
        )
        payouts_batch(bank=setup["bank"])
    many = listed()
    assert many[1] == 4 and one[1] == 1
    assert many[0] == one[0] == 1  # the page of batches: their totals are theirs


def test_batches_made_before_their_totals_were_kept_are_totalled_by_the_migration(setup):
    import importlib

    from django.apps import apps as django_apps

    for amount in ("10.00", "2.50"):
        payout_request(
            organization=setup["seller"], amount=Money(amount, "MYR"), actor=setup["owner"]
        )
    batch = payouts_batch(bank=setup["bank"])
    PayoutBatch.objects.filter(pk=batch.pk).update(payout_count=0, totals=[])
    migration = importlib.import_module("payments.migrations.0021_payout_batch_totals")
    migration.batches_totalled(django_apps, None)
    batch.refresh_from_db()
    assert batch.payout_count == 2
    assert batch.totals == [{"currency": "MYR", "minor": 1250}]
