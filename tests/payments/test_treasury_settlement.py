"""The daily FX settlement with the partner banks: each day's conversions, netted per currency
pair, exchanged with the bank that received the money, so that the FX position accounts
return to zero against the clearing accounts; one pain.001 instruction, validated against the
ISO schema; exactly once per (bank, day), whatever crashes or runs again."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from moneyed import Money

from payments.models import (
    FxConversion,
    FxDeal,
    FxDealConversion,
    LedgerTransaction,
    TreasurySettlement,
)
from payments.services import treasury
from payments.services.accounts import bank_clearing_account, fx_account, fx_result_account
from payments.services.escrow import escrow_release
from payments.services.fx import fx_quote, fx_rates_load
from payments.services.ledger import account_balance
from payments.services.pain001 import PAIN_001, pain001_schema
from payments.services.treasury import deal_terms, treasury_settle, treasury_settle_all
from payments.tasks import treasury_settle_task
from tests import factories, ledger
from tests.conftest import bearer, issue_token

pytestmark = pytest.mark.django_db
NS = {"p": PAIN_001}
TODAY = timezone.now().date()


@pytest.fixture
def released(hgh, bank):
    """Orders paid in CNY (and one in USD when asked) at the bank, released to the seller in
    MYR: conversions through the FX position accounts."""
    fx_rates_load()

    def release(currency="CNY", reference="R1"):
        order = ledger.paid_order(
            destination_hub=hgh, bank=bank, payment_currency=currency, reference=reference
        )
        escrow_release(order=ledger.deliver(order), actor_label="buyer", reason="Received")
        return FxConversion.objects.get(ledger_transaction__settlement__order=order)

    return release


def balance(account) -> Money:
    return account_balance(account)


def held(bank_client, currency) -> Money:
    """The clearing balance as the bank books it."""
    return -balance(bank_clearing_account(bank=bank_client, currency=currency))


def test_the_days_conversions_are_exchanged_with_the_bank(bank, released):
    conversions = [released(reference="R1"), released(reference="R2")]
    sold = Money(sum(c.from_minor for c in conversions), "CNY") / 100
    paid_out = Money(sum(c.to_minor for c in conversions), "MYR") / 100
    assert held(bank, "CNY") == sold  # the CNY stayed at the bank
    assert balance(fx_account(currency="MYR")) == -paid_out  # short MYR

    settlement = treasury_settle(bank=bank, day=TODAY)

    deal = settlement.deals.get()
    rate = fx_quote(amount=sold, to="MYR", spread_percent=0).market_rate
    assert (deal.sold, deal.position_currency) == (sold, "CNY")
    assert deal.bought == Money(
        (sold.amount * deal.rate).quantize(Decimal("0.01"), "ROUND_DOWN"), "MYR"
    )
    assert abs(deal.rate - rate) < Decimal("1e-9")
    # both FX positions at zero, against the bank: the CNY left, the MYR arrived
    assert balance(fx_account(currency="CNY")) == Money(0, "CNY")
    assert balance(fx_account(currency="MYR")) == Money(0, "MYR")
    assert held(bank, "CNY") == Money(0, "CNY")
    assert held(bank, "MYR") == deal.bought
    # the spread the hub took on the conversions is its FX result
    assert deal.result == deal.bought - paid_out
    assert deal.result.amount > 0
    assert balance(fx_result_account(currency="MYR")) == deal.result
    assert set(FxDealConversion.objects.values_list("conversion", flat=True)) == {
        c.pk for c in conversions
    }
    assert deal.ledger_transaction.reference == deal.end_to_end_id
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
    assert settlement.status == "instructed"


def test_the_instruction_is_a_pain001_that_validates_against_its_schema(bank, released):
    released(reference="R1")
    released("USD", reference="R2")
    settlement = treasury_settle(bank=bank, day=TODAY)
    xml = settlement.instruction
    assert pain001_schema().is_valid(xml)
    root = ET.fromstring(xml)
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", NS).text == settlement.message_id
    blocks = root.findall(".//p:PmtInf", NS)
    assert [b.find("p:DbtrAcct/p:Id/p:Othr/p:Id", NS).text for b in blocks] == [
        "EWTP-CLEARING-CNY",
        "EWTP-CLEARING-USD",
    ]
    assert {b.find("p:PmtTpInf/p:CtgyPurp/p:Cd", NS).text for b in blocks} == {"TREA"}
    for block in blocks:
        transfer = block.find("p:CdtTrfTxInf", NS)
        deal = FxDeal.objects.get(end_to_end_id=transfer.find("p:PmtId/p:EndToEndId", NS).text)
        amount = transfer.find("p:Amt/p:EqvtAmt/p:Amt", NS)
        assert (amount.text, amount.get("Ccy")) == (f"{deal.sold.amount:f}", deal.sold_currency)
        assert transfer.find("p:Amt/p:EqvtAmt/p:CcyOfTrf", NS).text == "MYR"
        rate = transfer.find("p:XchgRateInf", NS)
        assert Decimal(rate.find("p:XchgRate", NS).text) == deal.rate
        assert rate.find("p:RateTp", NS).text == "AGRD"
        assert rate.find("p:CtrctId", NS).text == deal.end_to_end_id
        assert transfer.find("p:CdtrAcct/p:Id/p:Othr/p:Id", NS).text == "EWTP-CLEARING-MYR"


def test_a_second_run_books_nothing_twice(bank, released):
    released()
    first = treasury_settle(bank=bank, day=TODAY)
    again = treasury_settle(bank=bank, day=TODAY)
    assert again == first
    assert treasury_settle_all(day=TODAY) == 1
    assert LedgerTransaction.objects.filter(kind="fx_deal").count() == 1
    assert TreasurySettlement.objects.count() == 1


def test_a_crash_while_booking_books_nothing(bank, released, monkeypatch):
    released(reference="R1")
    released("USD", reference="R2")  # two pairs: the crash comes at the second
    posted = []
    real_post = treasury.ledger_post

    def post_then_crash(**kwargs):
        if posted:
            raise RuntimeError("the worker died")
        posted.append(kwargs["reference"])
        return real_post(**kwargs)

    monkeypatch.setattr(treasury, "ledger_post", post_then_crash)
    with pytest.raises(RuntimeError):
        treasury_settle(bank=bank, day=TODAY)
    assert posted  # the first pair was posted, then rolled back with the rest
    assert not TreasurySettlement.objects.exists()
    assert not LedgerTransaction.objects.filter(kind="fx_deal").exists()
    assert not FxDealConversion.objects.exists()

    monkeypatch.setattr(treasury, "ledger_post", real_post)
    settlement = treasury_settle(bank=bank, day=TODAY)
    assert settlement.deals.count() == 2
    assert balance(fx_account(currency="MYR")) == Money(0, "MYR")
    assert ledger.ledger_balanced()


def test_a_crash_between_booking_and_instruction_is_finished_by_the_next_run(
    bank, released, monkeypatch
):
    released()

    def crash(**kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(treasury, "pain001_fx_render", crash)
    with pytest.raises(RuntimeError):
        treasury_settle(bank=bank, day=TODAY)
    settlement = TreasurySettlement.objects.get()
    assert (settlement.status, settlement.instruction) == ("booked", "")
    assert balance(fx_account(currency="CNY")) == Money(0, "CNY")  # the booking stands

    monkeypatch.undo()
    finished = treasury_settle(bank=bank, day=TODAY)
    assert finished == settlement
    assert finished.status == "instructed" and pain001_schema().is_valid(finished.instruction)
    assert LedgerTransaction.objects.filter(kind="fx_deal").count() == 1


def test_an_instruction_that_failed_is_finished_by_the_next_nights_run(bank, released, monkeypatch):
    released()

    def crash(**kwargs):
        raise RuntimeError("the schema refused it")

    monkeypatch.setattr(treasury, "pain001_fx_render", crash)
    with pytest.raises(RuntimeError):
        treasury_settle(bank=bank, day=TODAY)
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + timedelta(days=2)):  # a later night's run
        treasury_settle_task.delay().get()
    settlement = TreasurySettlement.objects.get(day=TODAY)
    assert settlement.status == "instructed" and pain001_schema().is_valid(settlement.instruction)


def test_one_banks_failure_leaves_the_others_settled(hgh, bank, released, monkeypatch):
    other = factories.api_client(kind="bank", name="Maybank", scopes=["payments:write"])
    order = ledger.paid_order(
        destination_hub=hgh, bank=other.client, payment_currency="CNY", reference="M1"
    )
    escrow_release(order=ledger.deliver(order), actor_label="buyer", reason="Received")
    real = treasury.treasury_settle

    def flaky(*, bank, day, actor_label):
        if bank.pk != other.client.pk:
            raise KeyError("a bug")
        return real(bank=bank, day=day, actor_label=actor_label)

    monkeypatch.setattr(treasury, "treasury_settle", flaky)
    assert treasury.treasury_settle_all(day=TODAY) == 1
    assert TreasurySettlement.objects.get().bank == other.client


def test_a_day_settles_what_was_converted_by_its_end(bank, released):
    released()
    yesterday = TODAY - timedelta(days=1)
    assert treasury_settle(bank=bank, day=yesterday) is None  # converted today
    assert not TreasurySettlement.objects.exists()
    assert treasury_settle(bank=bank, day=TODAY).deals.count() == 1


def test_conversions_are_settled_with_the_bank_that_received_the_money(hgh, bank, released):
    other = factories.api_client(kind="bank", name="Maybank", scopes=["payments:write"])
    order = ledger.paid_order(
        destination_hub=hgh, bank=other.client, payment_currency="CNY", reference="M1"
    )
    escrow_release(order=ledger.deliver(order), actor_label="buyer", reason="Received")
    assert treasury_settle(bank=bank, day=TODAY) is None
    settlement = treasury_settle(bank=other.client, day=TODAY)
    assert settlement.deals.get().sold_currency == "CNY"
    assert held(other.client, "CNY") == Money(0, "CNY")


def test_the_beat_settles_yesterday(bank, released):
    released()
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert treasury_settle_task.delay().get() == 1
    assert TreasurySettlement.objects.get().day == TODAY


@pytest.mark.parametrize(
    ("net", "exchanged", "sign"),
    [
        ({"CNY": 100_00, "MYR": -64_00}, "CNY", 1),  # long CNY, short MYR: CNY sold whole
        ({"CNY": -100_00, "MYR": 65_00}, "MYR", 1),  # long MYR: MYR sold whole
        ({"CNY": 1_00, "MYR": 50}, "CNY", 1),  # long both (round trips' spread): the first
        ({"CNY": -1_00, "MYR": -50}, "CNY", -1),  # short both: the first is bought
    ],
)
def test_which_currency_of_a_pair_is_exchanged_whole(net, exchanged, sign, released):
    fx_rates_load()
    terms = deal_terms(net=net, day=TODAY)
    assert terms.position.currency.code == exchanged
    assert terms.position.amount * sign > 0
    assert terms.exchanged.amount * sign > 0  # received for what is sold, paid for what is bought
    other = terms.other.currency.code
    assert terms.exchanged.currency.code == other != exchanged


def test_the_bank_downloads_its_instruction(api, bank, cimb, released):
    released()
    settlement = treasury_settle(bank=bank, day=TODAY)
    token = issue_token(api, cimb).json()["access_token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    listed = api.get("/api/v1/treasury/instructions/", **headers)
    assert listed.status_code == 200, listed.content
    (item,) = listed.json()["results"]
    assert item["message_id"] == settlement.message_id
    assert item["deals"][0]["sold"]["currency"] == "CNY"
    response = api.get(f"/api/v1/treasury/instructions/{item['id']}/pain001", **headers)
    assert response.status_code == 200
    assert pain001_schema().is_valid(response.content.decode())
    assert TreasurySettlement.objects.get().downloaded_at is not None
    other = factories.api_client(kind="bank", name="Other", scopes=["treasury:read"])
    other_token = issue_token(api, other).json()["access_token"]
    theirs = api.get(
        f"/api/v1/treasury/instructions/{item['id']}/pain001",
        HTTP_AUTHORIZATION=f"Bearer {other_token}",
    )
    assert theirs.status_code == 404
    unscoped = factories.api_client(kind="bank", name="Unscoped", scopes=["payouts:read"])
    refused = api.get(
        "/api/v1/treasury/instructions/",
        **bearer(api, unscoped),
    )
    assert refused.status_code == 403


def test_nothing_to_settle_is_no_settlement(bank, db):
    assert treasury_settle(bank=bank, day=date(2024, 1, 2)) is None
    assert not TreasurySettlement.objects.exists()
