"""OpenAPI additions: every operation documents its problem+json error responses, and every
operation that honours an Idempotency-Key documents the header."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Any unique string up to 255 characters (a UUID is good). Resending the same "
    "request with the same key within 48 hours replays the first response without acting "
    "again; the same key with another request is a 422; while the first is still running, "
    "a 409.",
)


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
    "404": "No such object (or not visible to this client).",
    "405": "Method not allowed on this path.",
    "406": "Only application/json responses are offered.",
    "409": "The object's state does not allow this, or the same Idempotency-Key is in flight.",
    "415": "Send application/json.",
    "422": "The Idempotency-Key was used for a different request.",
    "429": "Too many requests; retry later.",
}
WRITE_ONLY = {"409", "415", "422"}


def add_problem_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                if status in WRITE_ONLY and method == "get":
                    continue
                responses.setdefault(status, {"description": description, "content": ref})
    return result
