"""Persona fixtures: one user per role, and API clients with tokens."""

import base64
import importlib
from urllib.parse import urlencode

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from hubs.models import User
from payments.services.fx import fx_rates_load

from . import factories
from .journey import Journey, world_build


@pytest.fixture(autouse=True)
def language_reset():
    """A page asked for in Malay or Chinese leaves its language active in the thread (the
    locale middleware does not deactivate it): each test starts and ends in the default."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def throttle_counts(monkeypatch):
    """Each test starts with no throttle counts, whatever the cache (local memory, or Redis
    shared with the Celery broker, which must not be flushed): every test calls from
    127.0.0.1, and its token and page requests must not be refused for an earlier test's."""
    counts = LocMemCache("throttle-counts", {})
    counts.clear()
    monkeypatch.setattr(SimpleRateThrottle, "cache", counts)
    return counts


@pytest.fixture
def hs_nomenclature(transactional_db):
    """Transactional tests empty every table when they end, the HS nomenclature that a
    migration loaded included: a transactional test that needs it loads it again."""
    from hubs.models import HsCode

    if not HsCode.objects.exists():
        migration = importlib.import_module("hubs.migrations.0003_load_hs_nomenclature")
        migration.load(django_apps, None)


@pytest.fixture
def kul(db):
    return factories.hub("KUL")


@pytest.fixture
def hgh(db):
    return factories.hub("HGH")


@pytest.fixture
def sme_owner(kul):
    return factories.MembershipFactory(role="owner", organization__home_hub=kul).user


@pytest.fixture
def sme_staff(kul):
    return factories.MembershipFactory(role="staff", organization__home_hub=kul).user


@pytest.fixture
def mdec_officer(db):
    return factories.UserFactory(official_role=User.OfficialRole.MDEC_OFFICER)


@pytest.fixture
def customs_officer(kul):
    return factories.UserFactory(official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul)


@pytest.fixture
def hub_operator(kul):
    return factories.UserFactory(official_role=User.OfficialRole.HUB_OPERATOR, official_hub=kul)


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def no_role_user(db):
    return factories.UserFactory()


@pytest.fixture
def api():
    return APIClient()


def issue_token(api_client, credentials, scope=None):
    """Client-credentials grant, exactly as a bank's engineer would call it."""
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return api_client.post(
        "/api/v1/oauth/token/",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(credentials.client_id, credentials.client_secret),
    )


def basic_auth(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.fixture
def bank_credentials(db):
    return factories.api_client(scopes=["hubs:read", "statements:read"])


@pytest.fixture
def bank_token(api, bank_credentials):
    response = issue_token(api, bank_credentials)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def journey(kul, hgh, django_capture_on_commit_callbacks):
    """The journey in-process: each action's pipeline steps run after its commit, as the
    worker would run them."""
    journey = Journey(world_build(), lambda: django_capture_on_commit_callbacks(execute=True))
    journey.run(fx_rates_load)
    return journey
