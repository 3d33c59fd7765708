"""Request bodies no view should parse are refused before anything reads them: JSON nested
deeper than the parser can recurse, JSON that is not UTF-8, malformed JSON."""

import re

import pytest
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.oauth2_backends import OAuthLibCore, get_oauthlib_core
from rest_framework.parsers import BaseParser
from rest_framework.request import Request

from ewtp.common.middleware import JSON_MAX_DEPTH, json_nesting_exceeds

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
DEEP = "[" * 1000 + "]" * 1000
SAMPLES = {"uuid": "6f1c2d9e-1111-4c3a-9a51-2f7c5a0c0b11", "int": "1"}
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?\w+>")


def api_paths() -> list[str]:
    """Every route under /api/, its parameters filled with values its converters take."""
    paths = []

    def walk(patterns, prefix):
        for entry in patterns:
            if not isinstance(entry.pattern, RoutePattern):
                continue  # the regex catch-all that answers 404 problems
            route = PARAMETER.sub(
                lambda match: SAMPLES.get(match["converter"], "x"), str(entry.pattern)
            )
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            else:
                paths.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(path for path in paths if path.startswith("/api/"))


@pytest.fixture
def bearer(bank_token):
    return {"HTTP_AUTHORIZATION": f"Bearer {bank_token}"}


def test_every_api_path_refuses_a_thousand_deep_body_with_and_without_a_token(api, bearer):
    paths = api_paths()
    assert "/api/v1/oauth/token/" in paths and "/api/v1/payments/incoming" in paths
    answers = {}
    for path in paths:
        for method in ("post", "put", "patch"):
            for headers in ({}, bearer):
                response = getattr(api, method)(
                    path, DEEP, content_type="application/json", **headers
                )
                answers[(path, method, bool(headers))] = (
                    response.status_code,
                    response["Content-Type"],
                    response.json().get("code"),
                )
    wrong = {
        key: answer for key, answer in answers.items() if answer != (400, PROBLEM, "json_too_deep")
    }
    assert wrong == {}


def test_the_refusal_says_what_is_wrong(api, bearer):
    response = api.post("/api/v1/orders/", DEEP, content_type="application/json", **bearer)
    body = response.json()
    assert body["status"] == 400
    assert f"more than {JSON_MAX_DEPTH} levels" in body["detail"]


def test_the_token_endpoint_refuses_a_deep_body(api):
    response = api.post("/api/v1/oauth/token/", DEEP, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "json_too_deep")


def test_a_json_media_type_with_a_suffix_is_checked_too(api, bearer):
    response = api.post(
        "/api/v1/orders/", DEEP, content_type="application/merge-patch+json", **bearer
    )
    assert response.json()["code"] == "json_too_deep"


@pytest.mark.parametrize("media_type", ["*/*", "application/*", "*/json", "APPLICATION/JSON"])
def test_every_media_type_the_json_parser_answers_to_is_checked(api, bearer, media_type):
    response = api.post("/api/v1/orders/", DEEP, content_type=media_type, **bearer)
    assert (response.status_code, response.json()["code"]) == (400, "json_too_deep")


def test_a_charset_that_hides_the_brackets_is_refused(api, bearer):
    import base64

    hidden = b"+" + base64.b64encode(("[" * 3000).encode("utf-16-be")).rstrip(b"=") + b"-"
    response = api.post(
        "/api/v1/orders/", hidden, content_type="application/json; charset=utf-7", **bearer
    )
    assert (response.status_code, response.json()["code"]) == (400, "json_not_utf8")


def test_a_portal_page_refuses_a_deep_json_body_with_its_own_page(client):
    response = client.post("/language/", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_nesting_within_the_limit_reaches_the_view(api, bearer):
    body = "[" * JSON_MAX_DEPTH + "]" * JSON_MAX_DEPTH
    response = api.post("/api/v1/orders/", body, content_type="application/json", **bearer)
    assert response.json()["code"] != "json_too_deep"  # the view's own answer


@pytest.mark.parametrize(
    "body",
    [
        b'{"note": "caf\xe9"}',  # Latin-1
        b'{"note": "\xff\xfe"}',
        b"\xff\xfe{\x00}\x00",  # UTF-16 with its byte-order mark
    ],
)
@pytest.mark.parametrize("with_token", [False, True])
def test_json_that_is_not_utf8_is_a_400(api, bearer, body, with_token):
    headers = bearer if with_token else {}
    for path in ("/api/v1/orders/", "/api/v1/oauth/token/"):
        response = api.post(path, body, content_type="application/json", **headers)
        assert response.status_code == 400
        assert response["Content-Type"] == PROBLEM
        assert response.json()["code"] == "json_not_utf8"


def test_a_declared_latin1_charset_does_not_make_it_json(api, bearer):
    response = api.post(
        "/api/v1/orders/",
        b'{"note": "caf\xe9"}',
        content_type="application/json; charset=latin-1",
        **bearer,
    )
    assert (response.status_code, response.json()["code"]) == (400, "json_not_utf8")


@pytest.mark.parametrize("body", ['{"seller": ', "[1, 2", "{'a': 1}", "NaN", '{"a": 1}}'])
@pytest.mark.parametrize("with_token", [False, True])
def test_malformed_json_is_a_400_never_a_500(api, bearer, body, with_token):
    headers = bearer if with_token else {}
    for path in ("/api/v1/orders/", "/api/v1/payments/incoming", "/api/v1/oauth/token/"):
        response = api.post(path, body, content_type="application/json", **headers)
        # refused by the parser (400), or before it by authentication or a scope (401, 403)
        assert 400 <= response.status_code < 500, (path, response.content)
        assert response["Content-Type"] == PROBLEM


class ExplodingParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raise AssertionError("authentication parsed the request body")


def api_request(rf, token):
    django_request = rf.post(
        "/api/v1/ping",
        DEEP,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return Request(django_request, parsers=[ExplodingParser()])


def test_token_verification_never_reads_the_body(rf, bank_token):
    user_and_token = OAuth2Authentication().authenticate(api_request(rf, bank_token))
    assert user_and_token is not None
    assert user_and_token[1].pk  # verified, from the Authorization header alone


def test_the_stock_oauth_core_would_have_parsed_it(rf, bank_token):
    # negative control: django-oauth-toolkit's own core hands oauthlib request.POST, which
    # on a DRF request runs the JSON parser (the RecursionError of a deep body)
    stock = OAuthLibCore(get_oauthlib_core().server)
    with pytest.raises(AssertionError, match="parsed the request body"):
        stock.verify_request(api_request(rf, bank_token), scopes=[])


@pytest.mark.parametrize(
    ("body", "too_deep"),
    [
        (b"[" * 33 + b"]" * 33, True),
        (b"[" * 32 + b"]" * 32, False),
        (b'{"a": ' * 33 + b"1" + b"}" * 33, True),
        (b'["' + b"[" * 100 + b'"]', False),  # brackets inside a string are text
        (b'["\\"' + b"[" * 100 + b'"]', False),  # an escaped quote does not end the string
        (b'["\\\\"' + b", [" * 40 + b"]" * 40 + b"]", True),  # an escaped backslash does
        (b"[[]]" * 10_000, False),  # many brackets, shallow
        (b'{"k": "\xe4\xb8\xad' + b"{" * 50 + b'"}', False),  # UTF-8 text in strings
    ],
)
def test_the_depth_scan_counts_only_brackets_outside_strings(body, too_deep):
    assert json_nesting_exceeds(body, 32) is too_deep
