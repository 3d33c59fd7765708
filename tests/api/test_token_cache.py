"""Verified bearer tokens are cached for a few seconds, so a call does not look its token up
each time; revocation (the token deleted, its client deactivated or rotated) still takes
effect on the next call, and expiry is checked on every call."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def ping(api, token):
    return api.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {token}")


def token_queries(api, token) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert ping(api, token).status_code == 200
    return sum("oauth2_provider_accesstoken" in q["sql"] for q in captured.captured_queries)


def test_a_second_call_does_not_look_the_token_up(api, bank_token):
    assert token_queries(api, bank_token) == 1
    assert token_queries(api, bank_token) == 0


def test_a_deleted_token_is_refused_on_the_next_call(api, bank_token):
    assert ping(api, bank_token).status_code == 200
    AccessToken.objects.all().delete()
    assert ping(api, bank_token).status_code == 401


def test_a_deactivated_client_is_refused_though_its_token_was_cached(
    api, bank_credentials, bank_token
):
    assert ping(api, bank_token).status_code == 200
    bank_credentials.client.is_active = False
    bank_credentials.client.save()
    assert ping(api, bank_token).status_code == 401


def test_expiry_is_checked_on_every_call(api, bank_token, monkeypatch):
    assert ping(api, bank_token).status_code == 200
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert ping(api, bank_token).status_code == 401
