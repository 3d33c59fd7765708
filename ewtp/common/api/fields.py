"""Serializer fields shared by every API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..errors import CommonErrorCode
from ..money import MONEY_DECIMAL_PLACES, MoneyError, amount_parse, money_as_dict, money_parse

_PLACES = MONEY_DECIMAL_PLACES  # the most minor units any currency has (CLF, UYW)
AMOUNT_PATTERN = rf"^-?[0-9]+(\.[0-9]{{1,{_PLACES}}})?$"
# More than zero, without look-ahead (not every JSON Schema tool has it): a digit other than
# 0 before the point, or a fraction with one.
_NONZERO_FRACTION = "|".join(
    "0" * zeros + "[1-9]" + (f"[0-9]{{0,{rest}}}" if (rest := _PLACES - zeros - 1) else "")
    for zeros in range(_PLACES)
)
POSITIVE_AMOUNT_PATTERN = (
    rf"^([0-9]*[1-9][0-9]*(\.[0-9]{{1,{_PLACES}}})?|[0-9]+\.({_NONZERO_FRACTION}))$"
)


def _amount_schema(*, positive: bool) -> dict:
    # The decimals allowed depend on the currency (MYR 2, JPY 0, KWD 3); a pattern cannot
    # follow the currency, so it allows the most any currency has and money_parse applies
    # the currency's own.
    return {
        "type": "string",
        "pattern": POSITIVE_AMOUNT_PATTERN if positive else AMOUNT_PATTERN,
        "description": "ASCII digits with at most the currency's minor units after the point "
        f"(MYR 2, JPY none: no point){'; more than zero' if positive else ''}.",
        "example": "123.45",
    }


def _money_schema(*, positive: bool) -> dict:
    return {
        "type": "object",
        "properties": {
            "amount": _amount_schema(positive=positive),
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "example": "MYR"},
        },
        "required": ["amount", "currency"],
    }


@extend_schema_field(_money_schema(positive=False))
class MoneyField(serializers.Field):
    """``{"amount": "123.45", "currency": "MYR"}``; the amount is a string, never a float."""

    default_error_messages = {
        "not_object": 'Expected an object like {{"amount": "123.45", "currency": "MYR"}}.',
    }

    def to_representation(self, value):
        return money_as_dict(value)

    def to_internal_value(self, data):
        if not isinstance(data, dict) or not {"amount", "currency"} <= data.keys():
            self.fail("not_object")
        try:
            return money_parse(data["amount"], data["currency"])
        except MoneyError as exc:
            raise serializers.ValidationError(str(exc)) from None


@extend_schema_field(_money_schema(positive=True))
class PositiveMoneyField(MoneyField):
    """Money an operation moves one way (a payment received, a price): more than zero."""

    default_error_messages = {
        CommonErrorCode.AMOUNT_NOT_POSITIVE.value: "The amount must be more than zero.",
    }

    def to_internal_value(self, data):
        money = super().to_internal_value(data)
        if money.amount <= 0:
            self.fail(CommonErrorCode.AMOUNT_NOT_POSITIVE.value)
        return money


@extend_schema_field(_amount_schema(positive=True))
class PositiveAmountField(serializers.CharField):
    """A bare amount whose currency the context gives (a seller prices in its own): the shape
    money_parse takes, more than zero. Kept as the string sent, spaces included, so that
    " 12.00 " is refused rather than trimmed."""

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
            raise serializers.ValidationError(str(exc)) from None
        if value <= 0:
            self.fail(CommonErrorCode.AMOUNT_NOT_POSITIVE.value)
        return str(data)
