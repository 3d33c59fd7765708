"""Money helpers. Amounts are ``moneyed.Money`` over Decimal, never float.

The precision of each currency comes from ISO 4217 minor units (babel's CLDR data), kept in
one place so rounding is the same in the ledger, the API and the portal.
"""

import functools
import re
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from moneyed import Money
from moneyed.classes import CurrencyDoesNotExist, get_currency

# Width of every MoneyField in the database: up to 10^14 in the largest currency unit, with
# four decimals so that FX intermediates are stored before rounding to the currency's minor unit.
MONEY_MAX_DIGITS = 18
MONEY_DECIMAL_PLACES = 4

# An amount as the API and the portal take it: ASCII digits, an optional minus and decimal
# point, nothing else. Python's Decimal() also takes "1E+2", " 12.00 ", "1_000" and digits of
# other scripts (Arabic-Indic U+0660-U+0669): each reads differently to a person, a
# spreadsheet or a bank, so none of them is an amount here.
AMOUNT_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)
_NOT_FINITE = re.compile(r"^[-+]?(nan|snan|inf|infinity)$", re.IGNORECASE)


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def currency_code(code: str) -> str:
    """Return the ISO 4217 code, upper-cased, or raise MoneyError."""
    if code is not None and not isinstance(code, str):  # a list or number sent as JSON
        raise MoneyError("The currency must be a three-letter ISO 4217 code.")
    normalised = (code or "").strip().upper()
    try:
        get_currency(normalised)
    except CurrencyDoesNotExist:
        raise MoneyError(f"'{code}' is not an ISO 4217 currency code.") from None
    return normalised


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit (MYR 2, JPY 0, KWD 3)."""
    return _precision(currency_code(currency))


@functools.cache  # every amount shown or stored asks; valid codes are a few hundred at most
def _precision(code: str) -> int:
    return get_currency_precision(code)


def money_quantize(money: Money) -> Money:
    """Round to the currency's minor unit, half up (the commercial convention)."""
    places = minor_units(money.currency.code)
    exponent = Decimal(1).scaleb(-places)
    return Money(money.amount.quantize(exponent, rounding=ROUND_HALF_UP), money.currency)


def amount_parse(text: str | int) -> Decimal:
    """The Decimal of an untrusted amount in the one shape the hub takes (AMOUNT_PATTERN),
    whatever its currency; money_parse also applies the currency's minor units."""
    if isinstance(text, float):
        raise MoneyError('Send the amount as a string, e.g. "123.45", not as a number.')
    text = str(text)
    if not _AMOUNT.fullmatch(text):  # not match(): $ would allow a final newline
        if _NOT_FINITE.match(text):
            raise MoneyError("The amount must be a finite number.")
        raise MoneyError(
            f"'{text[:30]}' is not a decimal amount: write ASCII digits with an optional "
            'minus and decimal point, e.g. "123.45".'
        )
    value = Decimal(text)
    if value.adjusted() >= MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES:
        raise MoneyError(f"'{text[:30]}' is too large an amount.")
    return value


def money_parse(amount: str | int | Decimal, currency: str) -> Money:
    """Build Money from an untrusted amount and currency, strictly.

    The amount is ``-?digits(.digits)?`` in ASCII, with at most the currency's minor units
    after the point (none for JPY: no point at all). Refuses floats (they cannot carry cents
    exactly), exponents, spaces, other scripts' digits and non-finite values.
    """
    value = amount_parse(format(amount, "f") if isinstance(amount, Decimal) else amount)
    code = currency_code(currency)
    places = minor_units(code)
    if -value.as_tuple().exponent > places:  # the digits written after the point
        raise MoneyError(f"{code} has {places} decimal places; '{str(amount)[:30]}' has more.")
    return Money(value, code)


def money_as_dict(money: Money) -> dict:
    """The API shape of money: the amount as a string at the currency's precision."""
    rounded = money_quantize(money)
    return {
        "amount": f"{rounded.amount:.{minor_units(rounded.currency.code)}f}",
        "currency": rounded.currency.code,
    }


def money_to_minor(money: Money) -> int:
    """Whole minor units (123.45 MYR → 12345); refuses an amount finer than the minor unit."""
    places = minor_units(money.currency.code)
    scaled = money.amount.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{money} is finer than {money.currency.code}'s minor unit.")
    return int(scaled)


def money_from_minor(amount_minor: int, currency: str) -> Money:
    return Money(Decimal(amount_minor).scaleb(-minor_units(currency)), currency)
