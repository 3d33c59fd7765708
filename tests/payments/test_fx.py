"""FX reference rates, quotes with the spread, and conversions recorded with their rate."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from moneyed import Money

from ewtp.common.errors import ApplicationError
from payments.models import Entry, FxConversion, FxRate
from payments.services.accounts import customer_account
from payments.services.fx import BundledEcbSource, fx_convert, fx_quote, fx_rates_load
from payments.services.ledger import Posting, account_balance, ledger_post
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates():
    """The ECB history shipped with the hub (2024-01-02 to 2026-04-13): quotes of those days."""
    return fx_rates_load(source=BundledEcbSource())


def test_bundled_ecb_rates_load_once(rates):
    assert rates > 7000
    assert fx_rates_load(source=BundledEcbSource()) == 0  # a re-run adds nothing
    assert FxRate.objects.get(quote="MYR", as_of=date(2026, 4, 13)).rate == Decimal("4.6444")


def test_a_cross_rate_goes_through_the_euro(rates):
    quote = fx_quote(
        amount=Money("1000.00", "MYR"), to="CNY", on=date(2026, 4, 13), spread_percent=Decimal(0)
    )
    assert quote.market_rate == Decimal("7.9827") / Decimal("4.6444")
    assert quote.target == Money("1718.77", "CNY")  # 1000 × 1.7187796..., rounded down
    assert (quote.rate_source, quote.rate_as_of) == ("ECB", date(2026, 4, 13))


def test_the_spread_is_taken_from_what_the_receiver_gets(rates):
    plain = fx_quote(
        amount=Money("1000.00", "CNY"), to="MYR", on=date(2026, 4, 13), spread_percent=Decimal(0)
    )
    spread = fx_quote(
        amount=Money("1000.00", "CNY"),
        to="MYR",
        on=date(2026, 4, 13),
        spread_percent=Decimal("0.5"),
    )
    assert spread.target < plain.target
    assert spread.applied_rate == plain.market_rate * Decimal("0.995")


def test_a_weekend_uses_the_last_business_day(rates):
    saturday = fx_quote(amount=Money("1.00", "USD"), to="MYR", on=date(2026, 4, 11))
    assert saturday.rate_as_of == date(2026, 4, 10)


def test_no_rate_before_the_data_is_a_clear_error(rates):
    with pytest.raises(ApplicationError, match="reference rate on or before 2000-01-01"):
        fx_quote(amount=Money("1.00", "CNY"), to="MYR", on=date(2000, 1, 1))


def test_a_conversion_balances_per_currency_and_records_its_rate(rates):
    bank = factories.api_client(name="Bank").client
    from payments.services.accounts import bank_clearing_account

    organization = factories.SellerFactory()
    cny = customer_account(organization=organization, currency="CNY")
    myr = customer_account(organization=organization, currency="MYR")
    ledger_post(
        kind="payment",
        description="in",
        postings=[
            Posting(bank_clearing_account(bank=bank, currency="CNY"), Money("-1000.00", "CNY")),
            Posting(cny, Money("1000.00", "CNY")),
        ],
    )
    quote = fx_quote(amount=Money("1000.00", "CNY"), to="MYR", on=date(2026, 4, 13))
    moved = fx_convert(quote=quote, debit=cny, credit=myr, description="Settlement in MYR")
    assert account_balance(cny) == Money("0.00", "CNY")
    assert account_balance(myr) == quote.target
    assert all(
        r["t"] == 0 for r in Entry.objects.values("currency").annotate(t=Sum("amount_minor"))
    )
    record = FxConversion.objects.get(ledger_transaction=moved)
    assert (record.rate_source, record.rate_as_of, record.spread_percent) == (
        "ECB",
        date(2026, 4, 13),
        Decimal("0.50"),
    )
