"""Serializer fields shared by every API.

A field that takes money or a URL checks the value as sent against the pattern its schema
documents before anything else, so that what the OpenAPI document admits and what the API
takes are one rule: a client that builds requests from the document meets no surprise."""

import functools
import re
from collections import defaultdict
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..currencies import ISO_4217_CODES
from ..errors import CommonErrorCode
from ..money import (
    MONEY_DECIMAL_PLACES,
    MONEY_MAX_DIGITS,
    MoneyError,
    amount_parse,
    minor_units,
    money_as_dict,
    money_parse,
)
from .strict import decimal_pattern, integer_range_pattern

# Digits before the point: every money column holds less than 10^14 of the currency's unit.
WHOLE_DIGITS = MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES


@functools.cache  # built once per currency shape, not per amount checked
def amount_pattern(places: int, *, positive: bool) -> str:
    """An amount as the API takes it: ASCII digits without leading zeros, at most
    WHOLE_DIGITS before the point and 1 to ``places`` after it (no point when ``places`` is
    0), no exponent; more than zero when ``positive``, else with an optional minus."""
    if places == 0:
        whole = integer_range_pattern(1 if positive else 0, 10**WHOLE_DIGITS - 1)
        return rf"^{'' if positive else '-?'}{whole}$"
    return decimal_pattern(
        max_digits=WHOLE_DIGITS + places,
        decimal_places=places,
        min_value=Decimal(1).scaleb(-places) if positive else None,
    )


def _codes_by_places() -> dict[int, list[str]]:
    groups = defaultdict(list)
    for code in ISO_4217_CODES:
        groups[minor_units(code)].append(code)
    return dict(sorted(groups.items()))


CODES_BY_PLACES = _codes_by_places()  # MYR and most others 2, JPY 0, KWD 3, CLF 4
CURRENCY_PATTERN = "^[A-Z]{3}$"


def _amount_message(places: int, *, positive: bool) -> str:
    after = f"at most {places} after the point" if places else "no decimal point"
    more = ", more than zero" if positive else ""
    return (
        f"Write the amount as ASCII digits without leading zeros: at most {WHOLE_DIGITS} "
        f'before the point and {after}{more} (e.g. "{"123.45" if places else "12345"}").'
    )


def _amount_schema(*, positive: bool) -> dict:
    # A bare amount's currency is the context's (a seller prices in its own): the pattern
    # admits the most places any currency has, and the description says the rule.
    return {
        "type": "string",
        "pattern": amount_pattern(MONEY_DECIMAL_PLACES, positive=positive),
        "maxLength": WHOLE_DIGITS + 1 + MONEY_DECIMAL_PLACES + (0 if positive else 1),
        "description": "ASCII digits without leading zeros, at most "
        f"{WHOLE_DIGITS} before the point and at most the currency's minor units after it "
        f"(MYR 2, JPY none: no point){'; more than zero' if positive else ''}.",
        "example": "123.45",
    }


def _money_schema(*, positive: bool) -> dict:
    # The places an amount may have follow its currency: one branch per number of minor
    # units, each naming its currencies, so the document states the rule exactly.
    return {
        "type": "object",
        "properties": {
            "amount": {"type": "string", "example": "123.45"},
            "currency": {"type": "string", "pattern": CURRENCY_PATTERN, "example": "MYR"},
        },
        "required": ["amount", "currency"],
        "oneOf": [
            {
                "properties": {
                    "currency": {"enum": codes},
                    "amount": {"pattern": amount_pattern(places, positive=positive)},
                }
            }
            for places, codes in CODES_BY_PLACES.items()
        ],
        "description": "An amount as a string with at most the currency's minor units "
        f"(ISO 4217: MYR 2, JPY 0, KWD 3){', more than zero' if positive else ''}, "
        "and an ISO 4217 currency code.",
    }


def _amount_check(amount, places: int, *, positive: bool) -> None:
    """Refuse an amount money_parse took that the documented pattern does not (leading
    zeros, more than WHOLE_DIGITS before the point, a number rather than a string)."""
    if not isinstance(amount, str) or not re.fullmatch(
        amount_pattern(places, positive=False), amount
    ):
        raise serializers.ValidationError(
            _amount_message(places, positive=positive), code=CommonErrorCode.INVALID
        )


@extend_schema_field(_money_schema(positive=False))
class MoneyField(serializers.Field):
    """``{"amount": "123.45", "currency": "MYR"}``; the amount is a string, never a float."""

    positive = False
    default_error_messages = {
        "not_object": 'Expected an object like {{"amount": "123.45", "currency": "MYR"}}.',
        "currency": 'The currency must be an ISO 4217 code in capitals, e.g. "MYR".',
        CommonErrorCode.AMOUNT_NOT_POSITIVE.value: "The amount must be more than zero.",
    }

    def to_representation(self, value):
        return money_as_dict(value)

    def to_internal_value(self, data):
        if not isinstance(data, dict) or not {"amount", "currency"} <= data.keys():
            self.fail("not_object")
        amount, currency = data["amount"], data["currency"]
        if not isinstance(currency, str) or not re.fullmatch(CURRENCY_PATTERN, currency):
            self.fail("currency")
        if currency not in ISO_4217_CODES:
            raise serializers.ValidationError(
                f"'{currency}' is not an ISO 4217 currency code.", code=CommonErrorCode.INVALID
            )
        try:  # first the reason a person can act on ("not a decimal amount", "2 places")
            money = money_parse(amount, currency)
        except MoneyError as exc:
            raise serializers.ValidationError(str(exc), code=CommonErrorCode.INVALID) from None
        _amount_check(amount, minor_units(currency), positive=self.positive)
        if self.positive and money.amount <= 0:
            self.fail(CommonErrorCode.AMOUNT_NOT_POSITIVE.value)
        return money


@extend_schema_field(_money_schema(positive=True))
class PositiveMoneyField(MoneyField):
    """Money an operation moves one way (a payment received, a price): more than zero."""

    positive = True


@extend_schema_field(_amount_schema(positive=True))
class PositiveAmountField(serializers.CharField):
    """A bare amount whose currency the context gives (a seller prices in its own), more
    than zero. The places its currency allows are the service's to check, which knows the
    currency. Kept as the string sent, spaces included, so that " 12.00 " is refused rather
    than trimmed."""

    default_error_messages = {
        CommonErrorCode.AMOUNT_NOT_POSITIVE.value: "The amount must be more than zero.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            value = amount_parse(data)
        except MoneyError as exc:
            raise serializers.ValidationError(str(exc), code=CommonErrorCode.INVALID) from None
        _amount_check(data, MONEY_DECIMAL_PLACES, positive=True)
        if value <= 0:
            self.fail(CommonErrorCode.AMOUNT_NOT_POSITIVE.value)
        return data


# An https URL as webhooks take it: a host name of labels of at most 63 letters, digits and
# hyphens (not at either end) under an alphabetic top-level domain, or an IPv4 or IPv6
# address; an optional port from 1 to 65535; then printable ASCII (percent-encode the rest).
# No user name or password. The address is checked when the URL is registered.
_HTTPS = "[Hh][Tt][Tt][Pp][Ss]"  # a scheme is case-insensitive (RFC 3986, 3.1)
_LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = "([A-Za-z]{2,63}|xn--[A-Za-z0-9]{1,59})"
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_H16 = "[0-9A-Fa-f]{1,4}"
_IPV6 = "|".join(
    [
        f"({_H16}:){{7}}{_H16}",
        f"({_H16}:){{1,7}}:",
        *(f"({_H16}:){{1,{n}}}(:{_H16}){{1,{7 - n}}}" for n in range(1, 7)),
        f":((:{_H16}){{1,7}}|:)",
    ]
)
HTTPS_URL_PATTERN = (
    rf"^{_HTTPS}://(({_LABEL}\.)+{_TLD}\.?|{_OCTET}(\.{_OCTET}){{3}}|\[({_IPV6})\])"
    rf"(:{integer_range_pattern(1, 65535)})?([/?#][!-~]*)?$"
)
# ... and a host of at most 253 characters, which the pattern above cannot count.
HTTPS_HOST_LENGTH_PATTERN = rf"^{_HTTPS}://[^/?#]{{1,253}}([/?#]|$)"


def _https_url_schema(max_length: int) -> dict:
    return {
        "type": "string",
        "format": "uri",
        "maxLength": max_length,
        "pattern": HTTPS_URL_PATTERN,
        "allOf": [{"pattern": HTTPS_HOST_LENGTH_PATTERN}],
        "example": "https://shop.example.com/hooks/ewtp",
    }


class HttpsUrlField(serializers.URLField):
    """An https URL in the shape its schema states (HTTPS_URL_PATTERN), as sent: a space
    around it is refused, not trimmed."""

    default_error_messages = {
        "shape": "Enter an https URL with a host name (or IP address), an optional port and "
        'a path in printable ASCII, e.g. "https://shop.example.com/hooks/ewtp".',
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)
        # the schema of this instance: its own max_length
        extend_schema_field(_https_url_schema(self.max_length))(self)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not (
            re.fullmatch(HTTPS_URL_PATTERN, data) and re.match(HTTPS_HOST_LENGTH_PATTERN, data)
        ):
            self.fail("shape")
        return super().to_internal_value(data)
