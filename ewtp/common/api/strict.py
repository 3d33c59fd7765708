"""Input taken as the OpenAPI document states it, and the patterns that state it.

DRF coerces what it is sent: ``0`` is ``false`` to a BooleanField, ``123`` is ``"123"`` to a
CharField, ``"7"`` is ``7`` to an IntegerField and ``1e3`` is a decimal. The document says
``boolean``, ``string``, ``integer`` and a decimal pattern, so a client reading it must not be
able to rely on anything else: a value of another JSON type is a 400 naming the field.

The patterns are shared by the schema (``HubAutoSchema``) and the check here, so that what is
documented and what is refused are one rule: a text field that is trimmed must contain
something besides white space (``str.strip`` also strips U+001C-U+001F, which regular
expressions do not count as white space); a decimal has at most its digits and places, and no
exponent.
"""

import functools
import re
from decimal import Decimal

from rest_framework import serializers

from ..errors import CommonErrorCode
from ..validators import BIDI_CONTROLS, no_bidi_controls

# Characters Python's str.strip() removes: regular-expression white space, U+001C-U+001F
# and U+0085 (NEXT LINE, which ECMAScript's \s, the schema's dialect, does not count).
_SPACE = r"\s\u001c-\u001f\u0085"
_BIDI = "".join(f"\\u{ord(c):04x}" for c in sorted(BIDI_CONTROLS))
NOT_BLANK_PATTERN = rf"[^{_SPACE}]"
NAME_PATTERN = rf"^[^{_BIDI}]*[^{_SPACE}{_BIDI}][^{_BIDI}]*$"


def text_pattern(field: serializers.CharField) -> str | None:
    """The pattern a text field's value must match, beyond its lengths (None: any text)."""
    names = no_bidi_controls in field.validators
    blank = field.allow_blank or not field.trim_whitespace
    if names:
        return rf"^[^{_BIDI}]*$" if blank else NAME_PATTERN
    return None if blank else NOT_BLANK_PATTERN


def nonzero_fraction(places: int) -> str:
    """A fraction of 1 to ``places`` digits that is not all zeros, without look-ahead."""
    return "|".join(
        "0" * zeros + "[1-9]" + (f"[0-9]{{0,{rest}}}" if (rest := places - zeros - 1) else "")
        for zeros in range(places)
    )


def _same_length(low: str, high: str) -> list[str]:
    """Alternatives matching the numbers from ``low`` to ``high``, both of one length."""
    if low == high:
        return [low]
    rest = len(low) - 1
    if low[1:] == "0" * rest and high[1:] == "9" * rest:  # every number of the digits between
        first = low[0] if low[0] == high[0] else f"[{low[0]}-{high[0]}]"
        return [first + (f"[0-9]{{{rest}}}" if rest else "")]
    if low[0] == high[0]:
        return [low[0] + _group(_same_length(low[1:], high[1:]))]
    parts = [low[0] + _group(_same_length(low[1:], "9" * rest))]
    if int(low[0]) + 1 <= int(high[0]) - 1:
        parts.append(f"[{int(low[0]) + 1}-{int(high[0]) - 1}][0-9]{{{rest}}}")
    parts.append(high[0] + _group(_same_length("0" * rest, high[1:])))
    return parts


def _group(alternatives: list[str]) -> str:
    return alternatives[0] if len(alternatives) == 1 else "(" + "|".join(alternatives) + ")"


def integer_range_pattern(low: int, high: int) -> str:
    """Whole numbers from ``low`` to ``high`` (0 <= low <= high), without leading zeros."""
    digits = len(str(high))
    if low in (0, 1) and str(high) == "9" * digits and digits > 1:
        any_length = f"[1-9][0-9]{{0,{digits - 1}}}"
        return any_length if low else f"(0|{any_length})"
    parts = []
    for length in range(len(str(low)), len(str(high)) + 1):
        first = str(low) if length == len(str(low)) else "1" + "0" * (length - 1)
        last = str(high) if length == len(str(high)) else "9" * length
        parts += _same_length(first, last)
    return _group(parts)


@functools.cache  # built once per shape: every decimal of every request is checked with it
def decimal_pattern(
    *,
    max_digits: int | None,
    decimal_places: int | None,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
) -> str:
    """A decimal as a string: ASCII digits without leading zeros, a point and 1 to
    ``decimal_places`` digits, at most ``max_digits - decimal_places`` before the point, no
    exponent, a sign only if negative values are allowed. The bounds are exact when the least
    value is 0 or one step (0.01 for two places) and the greatest a whole number; other
    bounds are left to the server's message."""
    places = decimal_places or 0
    whole = (max_digits - places) if max_digits is not None else 15
    fraction = rf"(\.[0-9]{{1,{places}}})?" if places else ""
    ceiling = 10**whole - 1
    top = None
    whole_max = max_value is not None and Decimal(max_value) == int(max_value) > 0
    if whole_max and int(max_value) <= ceiling:
        ceiling = int(max_value) - 1
        top = str(int(max_value)) + (rf"(\.0{{1,{places}}})?" if places else "")
    step = Decimal(1).scaleb(-places)
    if min_value is not None and places and Decimal(min_value) == step:
        sign = ""
        body = [rf"0\.({nonzero_fraction(places)})"]
        if ceiling >= 1:
            body.insert(0, integer_range_pattern(1, ceiling) + fraction)
    else:
        sign = "" if min_value is not None and Decimal(min_value) >= 0 else "-?"
        body = [integer_range_pattern(0, ceiling) + fraction]
    return rf"^{sign}({'|'.join([*body, *filter(None, [top])])})$"


def field_decimal_pattern(field: serializers.DecimalField) -> str:
    return decimal_pattern(
        max_digits=field.max_digits,
        decimal_places=field.decimal_places,
        min_value=field.min_value,
        max_value=field.max_value,
    )


EXPECTED = {
    bool: "Expected true or false.",
    int: "Expected an integer.",
    str: "Expected a string.",
    list: "Expected a list.",
    dict: "Expected an object.",
}


def _expected_type(field) -> type | None:
    """The JSON type a field's value must have (None: the field checks for itself)."""
    if isinstance(field, serializers.BooleanField):
        return bool
    if isinstance(field, serializers.IntegerField):
        return int
    if isinstance(field, serializers.ChoiceField):
        choices = list(field.choices)
        return str if all(isinstance(choice, str) for choice in choices) else None
    if isinstance(
        field,
        serializers.CharField
        | serializers.UUIDField
        | serializers.DateField
        | serializers.DateTimeField
        | serializers.DecimalField,
    ):
        return str
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        return list
    if isinstance(field, serializers.Serializer | serializers.DictField):
        return dict
    return None


def type_errors(field, value, path: str) -> dict[str, list[str]]:
    """Fields of ``value`` whose JSON type (or decimal form) is not what ``field`` documents,
    keyed by their dotted path."""
    if value is None:
        return {}  # allow_null is the field's own business
    expected = _expected_type(field)
    if expected is not None and (
        not isinstance(value, expected) or (expected is int and isinstance(value, bool))
    ):
        return {path: [EXPECTED[expected]]}
    if isinstance(field, serializers.DecimalField) and not re.fullmatch(
        field_decimal_pattern(field), value
    ):
        return {path: ["A decimal number as a string, like the documented pattern."]}
    too_long = isinstance(field, serializers.CharField) and len(value) > (field.max_length or 1e9)
    if too_long:  # the length sent, not the length once trimmed
        return {path: [f"Ensure this field has no more than {field.max_length} characters."]}
    return _nested_errors(field, value, path)


def _nested_errors(field, value, path: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        for index, item in enumerate(value):
            errors |= type_errors(field.child, item, f"{path}.{index}")
    elif isinstance(field, serializers.Serializer):
        for name, child in field.fields.items():
            if not child.read_only and name in value:
                errors |= type_errors(child, value[name], f"{path}.{name}".lstrip("."))
    elif isinstance(field, serializers.DictField):
        for key, item in value.items():
            errors |= type_errors(field.child, item, f"{path}.{key}")
    return errors


def query_choice(request, name: str, choices) -> str | None:
    """A query parameter documented with an enum: absent (None), or one of ``choices``; an
    empty or other value is a 400 naming it (not read as "no filter")."""
    value = request.query_params.get(name)
    if value is not None and value not in choices:
        raise serializers.ValidationError(
            {name: [f"One of: {', '.join(choices)}."]}, code=CommonErrorCode.INVALID
        )
    return value


def query_match(request, name: str, pattern: str) -> str | None:
    """A query parameter documented with a pattern: absent (None), or matching it."""
    value = request.query_params.get(name)
    if value is not None and not re.search(pattern, value):
        raise serializers.ValidationError(
            {name: [f"Must match {pattern}."]}, code=CommonErrorCode.INVALID
        )
    return value


class StrictInputSerializer(serializers.Serializer):
    # An API input: each value must already be of the JSON type its field documents (the
    # nested ones too); only then does DRF's own validation run. (A comment, not a
    # docstring: the schema would take it as the description of every input.)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = type_errors(self, data, "")
            if errors:
                raise serializers.ValidationError(errors, code=CommonErrorCode.INVALID)
        return super().to_internal_value(data)
