"""Settlement in the seller's own currency: the buyer pays in its currency, escrow holds it,
release converts at the day's rate less the spread and deducts the fee, shown beforehand."""

from datetime import date
from decimal import ROUND_DOWN, Decimal

import pytest
from moneyed import Money

from payments.models import FeeSchedule, FxConversion, PaymentIntent, Settlement
from payments.services.accounts import customer_account, escrow_account, fees_account, fx_account
from payments.services.escrow import dispute_open, dispute_resolve, escrow_release
from payments.services.fx import fx_quote, fx_rates_load
from payments.services.ledger import account_balance
from payments.services.settlement import settlement_preview
from tests import factories, ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def cny_order(kul, hgh, bank, settings):
    """Two scarves at 45.00 MYR, bought by a Hangzhou buyer paying in CNY."""
    settings.FX_SPREAD_PERCENT = Decimal("0.50")
    fx_rates_load()
    FeeSchedule.objects.create(
        hub=kul, percent="2.50", fixed_minor=100, currency="MYR", effective_from=date(2024, 1, 1)
    )
    return ledger.paid_order(destination_hub=hgh, bank=bank, payment_currency="CNY")


def test_the_buyer_owes_the_total_at_the_reference_rate_without_spread(cny_order):
    intent = PaymentIntent.objects.get(order=cny_order)
    market = fx_quote(amount=Money(1, "MYR"), to="CNY", spread_percent=0).market_rate
    expected = (Decimal("90.00") * market).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    assert intent.amount == Money(expected, "CNY")
    assert intent.fx_rate == market.quantize(Decimal("1e-10"))
    assert (intent.fx_rate_source, intent.status) == ("ECB-TEST", "paid")  # tests/fx_rates.py
    assert account_balance(escrow_account(order=cny_order)) == Money(expected, "CNY")


def test_release_converts_less_spread_then_deducts_the_fee(cny_order):
    held = account_balance(escrow_account(order=cny_order))
    preview = settlement_preview(order=ledger.deliver(cny_order))
    escrow_release(order=cny_order, actor_label="buyer", reason="Received")

    settlement = Settlement.objects.get(order=cny_order)
    quote = fx_quote(amount=held, to="MYR")  # the day's rate less the 0.50 % spread
    assert quote.applied_rate == quote.market_rate * Decimal("0.995")
    assert settlement.held == held
    assert settlement.gross == quote.target
    assert settlement.fee == Money("3.25", "MYR")  # 2.5 % of 90.00 + 1.00
    assert settlement.net == quote.target - Money("3.25", "MYR")
    # what the seller was shown before release is what it got
    assert (preview.gross, preview.fee, preview.net) == (
        settlement.gross,
        settlement.fee,
        settlement.net,
    )
    seller = customer_account(organization=cny_order.seller, currency="MYR")
    assert account_balance(seller) == settlement.net
    assert account_balance(fees_account(hub=cny_order.origin_hub, currency="MYR")) == Money(
        "3.25", "MYR"
    )
    assert account_balance(escrow_account(order=cny_order)) == Money(0, "CNY")
    # the hub's FX position: it holds the CNY and paid out the MYR
    assert account_balance(fx_account(currency="CNY")) == held
    assert account_balance(fx_account(currency="MYR")) == -quote.target
    conversion = FxConversion.objects.get(ledger_transaction=settlement.ledger_transaction)
    assert conversion.spread_percent == Decimal("0.50")
    assert settlement.conversion == conversion
    assert ledger.ledger_balanced()


def test_a_split_dispute_converts_only_the_sellers_share(cny_order, mdec_officer):
    order = ledger.deliver(cny_order)
    held = account_balance(escrow_account(order=order))
    dispute_open(order=order, actor=order.buyer.memberships.first().user, reason="One torn")
    share = Money("100.00", "CNY")
    dispute_resolve(
        order=order, actor=mdec_officer, decision="split", reason="Half", seller_share=share
    )
    settlement = Settlement.objects.get(order=order)
    assert settlement.held == share
    assert held > share
    assert account_balance(escrow_account(order=order)) == Money(0, "CNY")
    assert ledger.ledger_balanced() and ledger.no_customer_account_negative()


def test_same_currency_settles_without_conversion(kul, hgh, bank):
    order = ledger.deliver(ledger.paid_order(destination_hub=hgh, bank=bank))
    escrow_release(order=order, actor_label="buyer", reason="Received")
    settlement = Settlement.objects.get(order=order)
    assert settlement.conversion is None
    assert settlement.held == settlement.gross == settlement.net == Money("90.00", "MYR")


def test_the_seller_sees_the_settlement_before_and_after_the_buyer_does_not(
    client, cny_order, mdec_officer
):
    order = ledger.deliver(cny_order)
    page = f"/payments/orders/{order.reference}/"
    seller_owner = factories.member(order.seller)
    client.force_login(seller_owner)
    response = client.get(page)
    assert response.context["preview"].net.currency.code == "MYR"
    assert b"if released today" in response.content
    assert b"spread" in response.content

    client.force_login(order.buyer.memberships.first().user)
    response = client.get(page)
    assert response.context["preview"] is None and response.context["settlement"] is None
    client.post(page, {"confirm": "1"})

    client.force_login(seller_owner)
    response = client.get(page)
    assert response.context["settlement"] == Settlement.objects.get()
    statement = client.get("/payments/statement/?currency=MYR")
    assert list(statement.context["settlements"]) == [Settlement.objects.get()]
    assert order.reference.encode() in statement.content
