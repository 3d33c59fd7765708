"""The hub's positions for its officers: per bank and currency what it holds, per currency
what stands against it (owed, its own, the open FX position), and the page's queries do not
grow with the trade."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from moneyed import Money

from payments import selectors
from payments.services.escrow import escrow_release
from payments.services.fx import fx_rates_load
from payments.services.treasury import treasury_bank_id, treasury_settle
from tests import factories, ledger

pytestmark = pytest.mark.django_db
TODAY = timezone.now().date()


@pytest.fixture
def trade(hgh, bank):
    """An order paid in CNY and released in MYR, one paid in MYR still in escrow."""
    fx_rates_load()
    converted = ledger.paid_order(
        destination_hub=hgh, bank=bank, payment_currency="CNY", reference="C1"
    )
    escrow_release(order=ledger.deliver(converted), actor_label="buyer", reason="Received")
    held = ledger.paid_order(destination_hub=hgh, bank=bank, reference="M1")
    return converted, held


def positions():
    return selectors.treasury_positions(default_bank_id=treasury_bank_id())


def test_what_is_held_equals_what_is_owed_the_hubs_own_and_the_open_position(bank, trade):
    converted, _held = trade
    result = positions()
    by_currency = {row.currency: row for row in result["currencies"]}
    cny, myr = by_currency["CNY"], by_currency["MYR"]
    settlement = converted.settlement
    # the CNY stayed at the bank, owed to nobody: the open FX position (long)
    assert cny.held == cny.open_fx == settlement.held
    assert cny.owed == Money(0, "CNY")
    # MYR: the escrow of the unreleased order and the seller's balance, the fee, and short
    assert myr.escrow == Money("90.00", "MYR")
    assert myr.balances == settlement.net
    assert myr.fees == settlement.fee
    assert myr.open_fx == -settlement.gross
    for row in (cny, myr):
        assert row.held == row.owed + row.fees + row.fx_result + row.open_fx
    at_bank = {(p.bank, p.currency): p for p in result["banks"]}
    assert at_bank[bank, "CNY"].open_fx == settlement.held
    assert at_bank[bank, "MYR"].open_fx == -settlement.gross
    assert at_bank[bank, "MYR"].held == Money("90.00", "MYR")


def test_after_the_days_settlement_no_position_is_open(bank, trade):
    treasury_settle(bank=bank, day=TODAY)
    result = positions()
    for row in result["currencies"]:
        assert row.open_fx.amount == 0
        assert row.held == row.owed + row.fees + row.fx_result
    assert all(p.open_fx.amount == 0 for p in result["banks"])
    myr = next(row for row in result["currencies"] if row.currency == "MYR")
    assert myr.fx_result.amount > 0  # the spread, now the hub's


def page_queries(client) -> tuple[int, object]:
    client.get("/payments/treasury/")  # warm: the session, the user
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/payments/treasury/")
    assert response.status_code == 200
    return len(captured), response


def test_the_page_runs_a_fixed_number_of_queries(mdec_officer, hgh, bank, trade):
    treasury_settle(bank=bank, day=TODAY)
    client = Client()
    client.force_login(mdec_officer)
    before, response = page_queries(client)
    assert "CIMB" in response.content.decode()
    # more trade, another bank, another settlement, positions open again
    other = factories.api_client(kind="bank", name="Maybank", scopes=["payments:write"]).client
    for n, paying_bank in enumerate((bank, other, other)):
        order = ledger.paid_order(
            destination_hub=hgh, bank=paying_bank, payment_currency="CNY", reference=f"X{n}"
        )
        escrow_release(order=ledger.deliver(order), actor_label="buyer", reason="Received")
    treasury_settle(bank=other, day=TODAY)
    after, response = page_queries(client)
    assert after == before
    assert len(response.context["settlements"]) == 2
    assert "Maybank" in response.content.decode()


def test_officers_download_an_instruction(mdec_officer, sme_owner, bank, trade):
    settlement = treasury_settle(bank=bank, day=TODAY)
    client = Client()
    client.force_login(mdec_officer)
    url = f"/payments/treasury/instructions/{settlement.public_id}/pain001"
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode() == settlement.instruction
    client.force_login(sme_owner)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("language", "title", "reconciliation"),
    [
        ("ms", "Perbendaharaan", "Penyesuaian penyata bank"),
        ("zh-hans", "资金管理", "银行对账单核对"),
    ],
)
def test_the_pages_speak_the_officers_language(
    mdec_officer, bank, trade, language, title, reconciliation
):
    treasury_settle(bank=bank, day=TODAY)
    client = Client()
    client.force_login(mdec_officer)
    client.cookies["django_language"] = language
    assert title in client.get("/payments/treasury/").content.decode()
    assert reconciliation in client.get("/payments/treasury/reconciliation/").content.decode()
