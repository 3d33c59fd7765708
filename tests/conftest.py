"""The suite's shared fixtures: the test database, personas (one user per role), the
partner bank and API clients with tokens, the bundled tariff, a few starting points of trade,
and a Celery worker for the tests that need a real one."""

import base64
import importlib
import uuid
from urllib.parse import urlencode

import pytest
from celery.contrib.testing.worker import start_worker
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from customs.models import RiskRule
from customs.services.tariff import tariff_load_bundled
from ewtp.celery import app as celery_app
from ewtp.common import queues
from hubs.models import User
from hubs.services.placement import LineRequest, OrderRequest, order_place
from payments.services.fx import fx_rates_load

from . import factories
from .customs.support import red_lane_import
from .database_snapshot import migrate_from_snapshot
from .journey import Journey, world_build


@pytest.fixture(scope="session")
def migrations_snapshot():
    with migrate_from_snapshot():
        yield


@pytest.fixture(scope="session")
def django_db_setup(migrations_snapshot, django_db_setup):
    """pytest-django's test database, migrated from a snapshot on SQLite
    (tests/database_snapshot.py)."""
    return django_db_setup


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
def isolated_queue():
    """A queue prefix of this test's own (every queue its tasks are routed to starts with it:
    ewtp/common/queues.py), so that no other worker on the same broker takes its tasks."""
    queue = f"tests-{uuid.uuid4().hex[:8]}"
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    yield queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved


def celery_worker(queue: str):
    """A real Celery worker in this process (one, solo pool) taking every task sent under
    the prefix ``queue``: each kind's shared queue, and the queues of the two hubs of the
    fixtures and of any hub the settings route, for as long as the ``with`` block it opens."""
    hubs = dict.fromkeys([queues.SHARED, "KUL", "HGH", *sorted(queues.hubs_routed())])
    return start_worker(
        celery_app,
        pool="solo",
        concurrency=1,
        queues=queues.worker_queues(queue, queues.KINDS, hubs),
        perform_ping_check=False,
        shutdown_timeout=10,
    )


@pytest.fixture
def hs_nomenclature(transactional_db):
    """Transactional tests empty every table when they end, the HS nomenclature that a
    migration loaded included: a transactional test that needs it loads it again."""
    from hubs.models import HsCode

    if not HsCode.objects.exists():
        migration = importlib.import_module("hubs.migrations.0003_load_hs_nomenclature")
        migration.load(django_apps, None)


# what makes a test commit its writes (and empty every table after it) instead of running
# in a transaction rolled back
TRANSACTIONAL_FIXTURES = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool(TRANSACTIONAL_FIXTURES & set(item.fixturenames))


@pytest.fixture(scope="module")
def tariff_of_the_module(request, django_db_setup, django_db_blocker):
    """The bundled tariff loaded once for a module whose every test loads it and none is
    transactional: in a transaction around the module's tests, each of which runs in a
    savepoint of it (as Django's TestCase runs its tests after setUpTestData), rolled back
    when the module ends. False for any other module: its tests load the tariff each."""
    items = [item for item in request.session.items if item.module is request.module]
    if any(_transactional(item) or "tariff" not in item.fixturenames for item in items):
        yield False
        return
    with django_db_blocker.unblock():
        around_the_module = transaction.atomic()
        around_the_module.__enter__()
        tariff_load_bundled()
    yield True
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        around_the_module.__exit__(None, None, None)


@pytest.fixture
def tariff(tariff_of_the_module, db):
    """The bundled tariff: regime parameters, the MY and CN schedules and China's positive
    list (customs/data)."""
    if not tariff_of_the_module:
        tariff_load_bundled()


@pytest.fixture
def lanes_by_rule(tariff):
    """The bundled tariff, with random selection off: a declaration's lane comes from the
    risk rules alone (a test of random selection turns it on again)."""
    RiskRule.objects.filter(code="random").update(enabled=False)


@pytest.fixture
def red_lane(hgh, kul, lanes_by_rule):
    """A declaration in the red lane: {"declaration", "seller", "owner", "officer"}."""
    return red_lane_import(hgh, kul)


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
def seller_owner(kul):
    """The owner of a verified seller at KUL, with its payout account."""
    return factories.member(factories.SellerFactory(home_hub=kul))


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


def bearer(api_client, credentials) -> dict:
    """The Authorization header of a token issued to ``credentials``, for the test client."""
    response = issue_token(api_client, credentials)
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


def basic_auth(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.fixture
def bank_credentials(db):
    """A bank's client that may read hubs and statements only, for the OAuth tests."""
    return factories.api_client(scopes=["hubs:read", "statements:read"])


@pytest.fixture
def bank_token(api, bank_credentials):
    response = issue_token(api, bank_credentials)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def cimb(db):
    """A partner bank with every bank scope, as credentials (for a token)."""
    return factories.bank()


@pytest.fixture
def bank(cimb):
    """The partner bank that money arrives at and payouts leave through (an ApiClient)."""
    return cimb.client


@pytest.fixture
def eroads(kul, hgh):
    """The e-roads between KUL and Hangzhou, open both ways."""
    factories.open_eroads()


@pytest.fixture
def trading_pair(kul, hgh, eroads):
    """A verified KUL seller and a Hangzhou buyer with an owner each, the e-roads between the
    two hubs open."""
    seller, buyer = factories.SellerFactory(), factories.BuyerFactory()
    return {
        "seller": seller,
        "buyer": buyer,
        "seller_user": factories.member(seller),
        "buyer_user": factories.member(buyer),
        "kul": kul,
        "hgh": hgh,
    }


@pytest.fixture
def order(hgh, eroads, django_capture_on_commit_callbacks):
    """A buyer's order of two scarves (90.00 MYR) to Hangzhou, awaiting payment: the pipeline
    opened its payment intent."""
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(stock=10)
    with django_capture_on_commit_callbacks(execute=True):
        placed = order_place(
            request=OrderRequest(
                seller=product.seller,
                destination_hub=hgh,
                buyer=buyer,
                lines=[LineRequest(product.pk, 2)],
            ),
            actor=factories.member(buyer),
        )
    placed.refresh_from_db()
    return placed


@pytest.fixture
def journey(kul, hgh, django_capture_on_commit_callbacks):
    """The journey in-process: each action's pipeline steps run after its commit, as the
    worker would run them."""
    journey = Journey(world_build(), lambda: django_capture_on_commit_callbacks(execute=True))
    journey.run(fx_rates_load)
    return journey
