"""Serializer fields shared by every API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..money import MoneyError, money_as_dict, money_parse


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "amount": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "example": "123.45"},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "example": "MYR"},
        },
        "required": ["amount", "currency"],
    }
)
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
