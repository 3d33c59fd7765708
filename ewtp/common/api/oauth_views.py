"""The OAuth2 token endpoints, answering errors as problem+json like the rest of the API.

RFC 6749 clients read ``error`` and ``error_description`` from a JSON body; those members
stay in the problem document, so both kinds of client understand the refusal.
"""

import json

from oauth2_provider import views as oauth_views

from .problems import PROBLEM_CONTENT_TYPE, problem_body, problem_json_response

DESCRIPTIONS = {
    "invalid_client": "Unknown client, wrong secret, or the client is inactive.",
    "invalid_grant": "The grant is invalid or expired.",
    "invalid_scope": "A requested scope was not granted to this client.",
    "unsupported_grant_type": "Use grant_type=client_credentials.",
    "invalid_request": "The token request is malformed.",
    "unauthorized_client": "This client may not use this grant type.",
}


def as_problem(response):
    if response.status_code < 400 or not response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    try:
        oauth_error = json.loads(response.content)
    except ValueError:
        return response
    code = oauth_error.get("error", "invalid_request")
    detail = oauth_error.get("error_description") or DESCRIPTIONS.get(
        code, "The token request was refused."
    )
    body = problem_body(status_code=response.status_code, detail=detail, code=code)
    body.update(error=code, error_description=detail)
    response.content = json.dumps(body).encode()
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    return response


class ProblemMethodMixin:
    def http_method_not_allowed(self, request, *args, **kwargs):
        response = problem_json_response(405, f"Use POST on {request.path}.", "method_not_allowed")
        response["Allow"] = "POST"
        return response


class TokenView(ProblemMethodMixin, oauth_views.TokenView):
    def post(self, request, *args, **kwargs):
        return as_problem(super().post(request, *args, **kwargs))


class RevokeTokenView(ProblemMethodMixin, oauth_views.RevokeTokenView):
    def post(self, request, *args, **kwargs):
        return as_problem(super().post(request, *args, **kwargs))
