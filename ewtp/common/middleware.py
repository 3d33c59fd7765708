"""Requests refused before any view sees them, headers every response needs, and the portal's
middleware that a call with a bearer token to the API passes by."""

import re

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django_prometheus.middleware import PrometheusAfterMiddleware
from django_prometheus.utils import Time
from rest_framework.utils.mediatypes import media_type_matches

from .api.problems import problem_json_response
from .errors import CommonErrorCode
from .logs import REQUEST_ID_HEADER, request_id_from, request_id_var


class RejectNulBytesMiddleware:
    """A NUL byte in the path or the query string is never meaningful, and PostgreSQL refuses
    it in any text it is asked to compare: answer 400 instead of letting a lookup fail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            if request.path.startswith("/api/"):
                return problem_json_response(
                    400, "The URL contains a NUL character.", "bad_request"
                )
            return HttpResponseBadRequest("The URL contains a NUL character.")
        return self.get_response(request)


# The form around an uploaded file (multipart boundaries, part headers, the CSRF token, a few
# fields) takes a few hundred bytes: this much is allowed on top of the file's own limit.
UPLOAD_FORM_ALLOWANCE = 64 * 1024
# The API's documents nest a few levels; Python's JSON parser recurses once per level and
# fails with RecursionError near a thousand, wherever it happens to be called from.
JSON_MAX_DEPTH = 32

_JSON_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_JSON_STRING = re.compile(rb'"[^"]*"')
_NOT_JSON_STRUCTURE = bytes(sorted(set(range(256)) - set(b'"[]{}')))
_JSON_OPENERS = frozenset(b"[{")


class RequestBodyGuardMiddleware:
    """Refuse a body no view should have to read, before anything reads it.

    - Larger than the path accepts: 413, decided on the Content-Length alone, so a 60 MB
      upload is never read (Django would otherwise spool all of it before a form could say
      "too large"). An upload page accepts its file limit (``UPLOAD_LIMITS``) and the form
      around it; every other path ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
    - JSON that is not UTF-8 (RFC 8259, section 8.1), or nested deeper than JSON_MAX_DEPTH:
      400. The depth is measured by counting brackets outside strings, without recursion, so
      the recursive parser never sees such a body.

    Nothing has touched the body when it decides: it runs before every view (DRF's
    authentication included) and before the CSRF check, which reads the form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = _content_length(request)
        if length:
            file_limit = upload_file_limit(request)
            if file_limit is not None:
                limit = file_limit + UPLOAD_FORM_ALLOWANCE
            else:
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and length > limit:
                return _too_large(request, limit=limit, file_limit=file_limit)
            if _is_json(request):
                refusal = _json_refusal(request)
                if refusal is not None:
                    return _bad_request(request, *refusal)
        return self.get_response(request)


def upload_file_limit(request) -> int | None:
    """The largest file the upload page at this path takes (None: not an upload page)."""
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        return None
    setting = settings.UPLOAD_LIMITS.get(view_name)
    return None if setting is None else getattr(settings, setting)


def _content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # as Django reads it: a body of unknown length is not read at all


def _is_json(request) -> bool:
    """Whatever DRF's JSON parser would take: it also answers to */*, application/* and
    */json, so those are JSON here too."""
    media_type = (request.content_type or "").lower()
    return media_type.endswith("+json") or media_type_matches("application/json", media_type)


def json_nesting_exceeds(body: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit``.

    Escapes go first (so that an escaped quote does not end a string), then every byte but
    quotes and brackets, then strings: what remains is the document's structure. Malformed
    JSON may pass; the parser refuses it.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # it cannot nest deeper than it has brackets: nearly every request
    structure = _JSON_STRING.sub(
        b"", _JSON_ESCAPE.sub(b"", body).translate(None, _NOT_JSON_STRUCTURE)
    )
    depth = 0
    for byte in structure:
        if byte in _JSON_OPENERS:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _json_refusal(request) -> tuple[str, CommonErrorCode] | None:
    # JSON is UTF-8 (RFC 8259, 8.1): another declared charset would make the parser decode
    # bytes this check never saw (a UTF-7 body hides its brackets)
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        return "Send JSON in UTF-8.", CommonErrorCode.JSON_NOT_UTF8
    body = request.body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "The JSON body is not valid UTF-8.", CommonErrorCode.JSON_NOT_UTF8
    if json_nesting_exceeds(body, JSON_MAX_DEPTH):
        return (
            f"The JSON body nests arrays and objects more than {JSON_MAX_DEPTH} levels deep.",
            CommonErrorCode.JSON_TOO_DEEP,
        )
    return None


def _too_large(request, *, limit: int, file_limit: int | None):
    if request.path.startswith("/api/"):
        return problem_json_response(
            413,
            f"The request body is larger than this endpoint accepts ({limit} bytes).",
            CommonErrorCode.REQUEST_TOO_LARGE,
        )
    # the person chose a file: name its limit, not the allowance for the form around it
    return render(request, "413.html", {"limit": file_limit or limit}, status=413)


def _bad_request(request, detail: str, code: CommonErrorCode):
    if request.path.startswith("/api/"):
        return problem_json_response(400, detail, code)
    return render(request, "400.html", status=400)


class NoStoreForCallersMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user or to a call with a
    bearer token: the page holds that caller's data, and no shared cache, nor the browser's
    history after sign-out, may keep it. Public pages keep their caching; a view that sets its
    own Cache-Control (a private document, a product image) has decided already."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and _has_credentials(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _has_credentials(request) -> bool:
    if has_bearer_token(request):
        return True
    user = getattr(request, "user", None)  # absent when a middleware answered before auth
    return user is not None and user.is_authenticated


API_PREFIX = "/api/v1/"


def has_bearer_token(request) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "


def is_token_call(request) -> bool:
    """A call to the API with a bearer token: it is authenticated by that token alone (DRF's
    OAuth2 authentication), whatever cookies come with it."""
    return request.path_info.startswith(API_PREFIX) and has_bearer_token(request)


class PortalOnly:
    """Mixin for a middleware of the portal's signed-in pages (the session, the user from
    the session, messages): a call with a bearer token to the API passes by it.

    Such a call never reads the session, so a session cookie sent along with the token gains
    it nothing. Every other request goes through as before: portal pages, the token endpoint
    (HTTP Basic), and an API call with a cookie but no bearer token, which the API refuses
    with 401 as it always did. For a token call these would only build a session, a lazy
    user and a message store that its view never uses. CSRF stays Django's own middleware
    (check --deploy looks for it by name): the API's views are exempt from it, and it reads
    no more than a cookie a token call does not send.
    """

    def __call__(self, request):
        if is_token_call(request):
            return self.get_response(request)
        return super().__call__(request)


class PortalSessionMiddleware(PortalOnly, SessionMiddleware):
    pass


class PortalAuthenticationMiddleware(PortalOnly, AuthenticationMiddleware):
    def __call__(self, request):
        if is_token_call(request):
            # nobody, until the token's authentication names the caller (DRF sets it)
            request.user = AnonymousUser()
        return super().__call__(request)


class PortalMessageMiddleware(PortalOnly, MessageMiddleware):
    pass


# The policy of every answer to a call with a bearer token: JSON, or a file to download,
# which loads nothing and is framed nowhere.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (CONTENT_SECURITY_POLICY) on the portal's pages; the strictest one,
    fixed, on the API's answers to a bearer token, instead of building the portal's policy
    anew from the settings for each call."""

    def process_request(self, request):
        if not is_token_call(request):
            super().process_request(request)

    def process_response(self, request, response):
        if is_token_call(request):
            response.headers.setdefault(CSP_HEADER, API_CONTENT_SECURITY_POLICY)
            return response
        return super().process_response(request, response)


class RequestIdMiddleware:
    """Names each request for the logs: the X-Request-ID the proxy (or the caller) sent when
    it is well formed, else a new id. Every line logged while the request runs carries it
    (ewtp.common.logs), tasks it sends carry it to the worker, and the response echoes it,
    so that a caller reporting a problem can quote it. Near the top of MIDDLEWARE: the
    others' log lines, and their early answers, carry it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        # Kept until the response is closed, not reset on the way out: Django logs a 4xx or
        # 5xx answer ("Not Found: …") after the whole middleware chain has returned.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@receiver(request_finished)
def _request_id_forgotten(**kwargs):
    request_id_var.set("")


class RequestMetricsMiddleware(PrometheusAfterMiddleware):
    """django-prometheus' per-request series (last in MIDDLEWARE), which read Content-Length
    as a number: a header that is none (a broken client's, an attacker's) counts as an empty
    body instead of a 500; the request then gets the hub's own answer to it."""

    def process_request(self, request):
        try:
            super().process_request(request)
        except ValueError:
            request.prometheus_after_middleware_event = Time()
