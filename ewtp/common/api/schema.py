"""OpenAPI additions: every operation documents its problem+json error responses, and every
operation that honours an Idempotency-Key documents the header. Request fields state the
rules the API applies to them (ewtp.common.api.strict): text that must not be blank, names
without direction controls, decimals as strings of so many digits."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from ..idempotency import MAX_KEY_LENGTH
from .strict import NOT_BLANK_PATTERN, field_decimal_pattern, text_pattern

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": NOT_BLANK_PATTERN,
    },
    OpenApiParameter.HEADER,
    description=f"Any unique string up to {MAX_KEY_LENGTH} characters, not only white space "
    "(a UUID is good). Resending the same request with the same key within 48 hours replays "
    "the first response without acting again; the same key with another request is a 422; "
    "while the first is still running, a 409.",
)


def _request_field_schema(field, schema: dict) -> None:
    """Tighten what DRF's field mapping leaves loose, for a field a client sends."""
    if "$ref" in schema or "allOf" in schema:
        return
    if isinstance(field, serializers.ListSerializer):
        # DRF's min_length/max_length of a list of objects, which the mapping leaves out
        for keyword, value in (("minItems", field.min_length), ("maxItems", field.max_length)):
            if value is not None:
                schema[keyword] = value
    elif isinstance(field, serializers.ListField) and isinstance(schema.get("items"), dict):
        _request_field_schema(field.child, schema["items"])
    elif isinstance(field, serializers.DecimalField):
        schema["pattern"] = field_decimal_pattern(field)
        for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            schema.pop(bound, None)
    elif (
        isinstance(field, serializers.CharField)
        and schema.get("type") == "string"
        and "pattern" not in schema
        and "enum" not in schema
        and "format" not in schema
    ):
        pattern = text_pattern(field)
        if pattern:
            schema["pattern"] = pattern


class HubAutoSchema(AutoSchema):
    def get_auth(self):
        """The OAuth2 scopes this operation needs, from the view's ``scopes`` per method
        (HasMethodScope) or ``required_scopes`` (HasScope), so a client knows what to ask for."""
        per_method = getattr(self.view, "scopes", None)
        if isinstance(per_method, dict):
            scopes = per_method.get(self.method.upper(), [])
        else:
            scopes = getattr(self.view, "required_scopes", None) or []
        super().get_auth()  # registers the oauth2 security scheme component
        # every API operation needs a token; some (ping, webhooks) no particular scope
        return [{"oauth2": list(scopes)}]

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        handler = getattr(self.view, self.method.lower(), None)
        if getattr(handler, "honours_idempotency_key", False):
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            for name, field in serializer.fields.items():
                if name in schema.get("properties", {}):
                    _request_field_schema(field, schema["properties"][name])
            if getattr(serializer, "refuses_unknown_fields", False):
                schema["additionalProperties"] = False  # an input that refuses other fields
        return schema


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error (RFC 9457). `errors` lists the invalid fields of a 400.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["field", "message", "code"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
}

ERRORS = {
    "400": "Invalid input: `errors` names each field and the reason.",
    "401": "Missing, invalid or expired access token.",
    "403": "The token lacks a required scope, or the object is not yours.",
    "404": "No such object (or not visible to this client), here or named in the request.",
    "405": "Method not allowed on this path.",
    "406": "Only application/json responses are offered.",
    "409": "The object's state does not allow this, or the same Idempotency-Key is in flight.",
    "413": "The request body is larger than this operation accepts.",
    "415": "Send application/json.",
    "422": "The Idempotency-Key was used for a different request.",
    "429": "Too many requests; retry after the seconds in Retry-After.",
}
WRITES = {"409", "415"}  # a GET changes nothing and reads no body
HEADERS = {
    "405": {
        "Allow": {
            "description": "The methods this path offers.",
            "schema": {"type": "string"},
            "required": True,
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    },
}


def _honours_idempotency_key(operation: dict) -> bool:
    return any(
        parameter.get("in") == "header" and parameter.get("name") == IDEMPOTENCY_KEY.name
        for parameter in operation.get("parameters", [])
    )


def add_problem_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                if status in WRITES and method == "get":
                    continue
                if status == "422" and not _honours_idempotency_key(operation):
                    continue
                response = {"description": description, "content": ref}
                if status in HEADERS:
                    response["headers"] = HEADERS[status]
                responses.setdefault(status, response)
    return result
