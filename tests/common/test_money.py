from decimal import Decimal

import pytest
from moneyed import Money

from ewtp.common.money import MoneyError, money_as_dict, money_parse, money_quantize


def test_parse_keeps_exact_decimals():
    assert money_parse("123.45", "myr") == Money(Decimal("123.45"), "MYR")


def test_parse_refuses_floats_and_excess_precision():
    with pytest.raises(MoneyError, match="as a string"):
        money_parse(0.1, "MYR")
    with pytest.raises(MoneyError, match="JPY has 0 decimal places"):
        money_parse("10.5", "JPY")


def test_quantize_is_half_up_at_the_currency_minor_unit():
    assert money_quantize(Money("2.345", "MYR")).amount == Decimal("2.35")
    assert money_quantize(Money("2.3449", "MYR")).amount == Decimal("2.34")
    assert money_quantize(Money("1.2345", "KWD")).amount == Decimal("1.235")


def test_api_shape_is_a_string_amount():
    assert money_as_dict(Money("5", "CNY")) == {"amount": "5.00", "currency": "CNY"}


def test_minor_units_round_trip_exactly():
    from ewtp.common.money import money_from_minor, money_to_minor

    assert money_to_minor(Money("123.45", "MYR")) == 12345
    assert money_to_minor(Money("-0.01", "CNY")) == -1
    assert money_to_minor(Money("500", "JPY")) == 500
    assert money_from_minor(12345, "MYR") == Money("123.45", "MYR")
    with pytest.raises(MoneyError, match="finer than"):
        money_to_minor(Money("1.005", "MYR"))
