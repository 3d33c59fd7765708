"""The OAuth2 token endpoints, answering errors as problem+json like the rest of the API.

RFC 6749 clients read ``error`` and ``error_description`` from a JSON body; those members
stay in the problem document, so both kinds of client understand the refusal.
"""

import base64
import binascii
import json
from urllib.parse import unquote

from django.http import JsonResponse
from django.utils.translation import gettext as _
from oauth2_provider import views as oauth_views

from ..errors import CommonErrorCode
from ..http import client_network
from ..throttles import KeyedThrottle, throttle_check
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


def requested_client_id(request) -> str:
    """The client id a token request names, before anything is checked: from HTTP Basic
    (RFC 6749 2.3.1, form-encoded) or the body's client_id; empty when there is none."""
    scheme, _space, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return unquote(decoded.partition(":")[0])
    if request.content_type == "application/x-www-form-urlencoded":
        return request.POST.get("client_id", "")
    return ""


def _credentials_sent_twice(request) -> bool:
    """RFC 6749 2.3: one authentication method per request. Allowing both would let a
    request name one client id in HTTP Basic (where failures are counted) while the library,
    when Basic fails, authenticates the client id of the body."""
    has_basic = request.headers.get("Authorization", "")[:6].lower() == "basic "
    return (
        has_basic
        and request.content_type == "application/x-www-form-urlencoded"
        and ("client_id" in request.POST or "client_secret" in request.POST)
    )


def oauth_problem(status: int, code: str, detail: str) -> JsonResponse:
    """A refusal both kinds of client read: problem+json with RFC 6749's members."""
    body = problem_body(status_code=status, detail=detail, code=code)
    body.update(error=code, error_description=detail)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def too_many_requests(seconds: int) -> JsonResponse:
    detail = _("Too many token requests. Retry after %(seconds)s seconds.") % {"seconds": seconds}
    response = oauth_problem(429, CommonErrorCode.THROTTLED.value, detail)
    response["Retry-After"] = str(seconds)
    return response


class ThrottledClientMixin:
    """Both endpoints check a client secret, so both are limited the same way:

    - every request from one address (THROTTLE_OAUTH_TOKEN_ADDRESS), counted before the
      secret is checked: a flood costs no password hashing;
    - refused secrets per client id (THROTTLE_OAUTH_TOKEN_CLIENT): once reached, requests
      naming that client id are refused before its secret is checked, from any address.
      Only refusals count, so a partner whose many workers fetch tokens is never slowed by
      its own successes; the price is that a stranger who knows a client id can hold that
      client's token requests off for a while, which then shows in the logs as 429s."""

    def post(self, request, *args, **kwargs):
        wait = throttle_check(KeyedThrottle("oauth_token_address", client_network(request)))
        if wait is not None:
            return too_many_requests(wait)
        if _credentials_sent_twice(request):
            return oauth_problem(
                400,
                "invalid_request",
                "Send the client's credentials once: in HTTP Basic or in the body.",
            )
        failures = KeyedThrottle("oauth_token_client", requested_client_id(request))
        if failures.reached():
            return too_many_requests(failures.retry_after())
        response = as_problem(super().post(request, *args, **kwargs))
        if response.status_code == 401:  # invalid_client: unknown client or wrong secret
            failures.count()
        return response


class TokenView(ProblemMethodMixin, ThrottledClientMixin, oauth_views.TokenView):
    pass


class RevokeTokenView(ProblemMethodMixin, ThrottledClientMixin, oauth_views.RevokeTokenView):
    pass
