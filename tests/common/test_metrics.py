"""/metrics: for the scraper only, in Prometheus' text format, with the kernel's series read
in a fixed number of queries and round trips."""

import os
import socket
import uuid
from datetime import timedelta

import pytest
import redis
from celery import Celery
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from ewtp.celery import app as celery_app
from ewtp.common import metrics
from ewtp.common.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from ewtp.settings.observability import database_counted
from tests import factories

TOKEN = "scrape-token-for-tests-0123456789"
needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI runs it on Redis)"
)


def scrape(client, **headers):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)


def families(response) -> dict:
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def samples(family, **labels) -> list:
    return [s for s in family.samples if all(s.labels.get(k) == v for k, v in labels.items())]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("configured", "authorization"),
    [
        ({}, f"Bearer {TOKEN}"),  # nothing configured: closed to everyone
        ({"METRICS_TOKEN": TOKEN}, ""),
        ({"METRICS_TOKEN": TOKEN}, "Bearer not-the-token"),
        ({"METRICS_TOKEN": TOKEN}, f"Basic {TOKEN}"),
        ({"METRICS_ALLOWED_NETWORKS": ["10.0.0.0/8"]}, ""),
        # both configured: both must pass (the test client connects from 127.0.0.1)
        ({"METRICS_TOKEN": TOKEN, "METRICS_ALLOWED_NETWORKS": ["10.0.0.0/8"]}, f"Bearer {TOKEN}"),
    ],
)
def test_metrics_is_a_404_for_anyone_but_the_scraper(client, configured, authorization):
    with override_settings(**configured):
        response = client.get("/metrics", HTTP_AUTHORIZATION=authorization)
        post = client.post("/metrics", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 404 and post.status_code == 404
    assert b"ewtp_" not in response.content


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_the_scraper_gets_the_series_in_prometheus_text_format_never_stored(client):
    client.get("/healthz")  # a request for the request series to count
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies  # no session, no CSRF cookie
    found = families(response)
    assert samples(found["ewtp_outbox_undispatched_events"])[0].value == 0
    assert samples(found["ewtp_outbox_lag_seconds"])[0].value == 0
    assert {s.labels["status"] for s in found["ewtp_webhook_deliveries"].samples} == {
        "pending",
        "failed",
    }
    # django-prometheus' own, from its middleware
    assert samples(found["django_http_requests_total_by_view_transport_method"], view="healthz")
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


@pytest.mark.django_db
def test_an_allowed_network_is_enough_when_no_token_is_configured(client):
    with override_settings(METRICS_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        assert client.get("/metrics").status_code == 200
    with override_settings(METRICS_ALLOWED_NETWORKS=["127.0.0.0/8"], METRICS_TOKEN=TOKEN):
        assert client.get("/metrics").status_code == 404
        assert scrape(client).status_code == 200


def _outbox_and_webhooks(n: int) -> None:
    old = timezone.now() - timedelta(minutes=5)
    events = OutboxEvent.objects.bulk_create(
        OutboxEvent(name="tests.metrics", payload={}) for _ in range(n)
    )
    OutboxEvent.objects.filter(pk=events[0].pk).update(created_at=old)
    endpoint = WebhookEndpoint.objects.create(
        api_client=factories.api_client(scopes=["webhooks:manage"]).client,
        url="https://receiver.example/hook",
        secret="s" * 32,
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event="tests.metrics", payload={}, status=status)
        for status in ["pending"] * n + ["failed"] * (n + 1) + ["delivered"] * 2
    )


@pytest.mark.django_db
def test_the_kernel_reads_the_database_in_two_queries_whatever_it_holds(
    django_assert_num_queries,
):
    collector = metrics.KernelCollector()
    with django_assert_num_queries(2):
        list(collector.collect())
    _outbox_and_webhooks(20)
    with django_assert_num_queries(2):
        found = {family.name: family for family in collector.collect()}
    assert found["ewtp_outbox_undispatched_events"].samples[0].value == 20
    assert 290 < found["ewtp_outbox_lag_seconds"].samples[0].value < 400
    by_status = {s.labels["status"]: s.value for s in found["ewtp_webhook_deliveries"].samples}
    assert by_status == {"pending": 20, "failed": 21}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_broker_that_cannot_be_reached_is_reported_down_not_fatal():
    app = Celery(
        "unreachable", broker=f"redis://127.0.0.1:{_closed_port()}/0", set_as_current=False
    )
    found = list(metrics.queue_depth_families(app))
    assert [(f.name, f.samples[0].value) for f in found] == [("ewtp_metrics_source_up", 0)]
    assert found[0].samples[0].labels == {"source": "broker"}


def test_the_filesystem_brokers_queues_are_counted_from_its_files(tmp_path):
    app = Celery("files", broker="filesystem://", set_as_current=False)
    app.conf.task_default_queue = "hub"
    app.conf.broker_transport_options = {"data_folder_in": str(tmp_path)}
    queues = metrics.deployment_queues(app)
    assert "hub" in queues and "hub.clearance" in queues
    for n, queue in enumerate(["hub.clearance", "hub.clearance", "hub", "other.clearance"]):
        (tmp_path / f"{1000 + n}_{uuid.uuid4()}.{queue}.msg").write_bytes(b"{}")
    found = {f.name: f for f in metrics.queue_depth_families(app)}
    depth = {s.labels["queue"]: s.value for s in found["ewtp_celery_queue_messages"].samples}
    assert depth["hub.clearance"] == 2 and depth["hub"] == 1
    assert "other.clearance" not in depth  # another deployment's
    assert set(depth) == set(queues)


@needs_redis
def test_the_redis_brokers_queues_are_counted_in_one_round_trip(isolated_queue, monkeypatch):
    @celery_app.task(name="tests.metrics_never_run")
    def never_run():
        pass

    client = metrics.task_metrics.redis_client(celery_app.conf.broker_url)
    try:
        for _ in range(3):
            never_run.delay()  # eager off, no worker: the messages wait
        trips = []
        execute, command = redis.client.Pipeline.execute, redis.Redis.execute_command
        with monkeypatch.context() as patch:
            patch.setattr(
                redis.client.Pipeline, "execute", lambda *a: trips.append(1) or execute(*a)
            )
            patch.setattr(redis.Redis, "execute_command", lambda *a: trips.append(1) or command(*a))
            found = {f.name: f for f in metrics.queue_depth_families(celery_app)}
        assert len(trips) == 1
        depth = {s.labels["queue"]: s.value for s in found["ewtp_celery_queue_messages"].samples}
        assert sum(depth.values()) == 3
        assert all(queue.startswith(isolated_queue) for queue in depth)
    finally:
        client.delete(*metrics.deployment_queues(celery_app))


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_under_a_multi_process_server_the_request_series_come_from_every_process(
    client, tmp_path, monkeypatch
):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    found = families(scrape(client))
    assert "ewtp_outbox_undispatched_events" in found
    assert "process_cpu_seconds" not in found  # one process's own: not in this mode


def test_a_database_is_counted_on_our_backends_built_on_django_prometheus():
    # ours, built on django-prometheus' backends (ewtp/common/db_backends)
    assert database_counted({"ENGINE": "django.db.backends.postgresql"})["ENGINE"] == (
        "ewtp.common.db_backends.postgresql"
    )
    assert database_counted({"ENGINE": "django.db.backends.sqlite3"})["ENGINE"] == (
        "ewtp.common.db_backends.sqlite3"
    )


@pytest.mark.django_db
def test_queries_and_their_errors_are_counted_with_one_cursor_class_per_connection():
    from django.db import DatabaseError, connection
    from prometheus_client import REGISTRY

    labels = {"alias": "default", "vendor": connection.vendor}

    def sample(name, **extra):
        return REGISTRY.get_sample_value(name, labels | extra) or 0

    executed, timed = (
        sample("django_db_execute_total"),
        sample("django_db_query_duration_seconds_count"),
    )

    def failures():  # of any type (the driver's own: UndefinedTable, OperationalError)
        return sum(
            found.value
            for metric in REGISTRY.collect()
            if metric.name == "django_db_errors"
            for found in metric.samples
            if found.name == "django_db_errors_total" and found.labels.items() >= labels.items()
        )

    failed = failures()
    with connection.cursor() as first, connection.cursor() as second:
        first.execute("SELECT 1")
        second.execute("SELECT 2")
        assert type(first.cursor) is type(second.cursor)
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    assert sample("django_db_execute_total") == executed + 3
    assert sample("django_db_query_duration_seconds_count") == timed + 3
    assert failures() == failed + 1


@needs_redis
def test_the_beats_heartbeat_age_is_read_from_redis_when_beat_runs_there():
    key_prefix = f"tests:beat:{uuid.uuid4().hex[:8]}"
    url = os.environ["REDIS_URL"]
    client = metrics.task_metrics.redis_client(url)
    with override_settings(CELERY_REDBEAT_KEY_PREFIX=key_prefix, CELERY_REDBEAT_REDIS_URL=url):
        assert [f.name for f in metrics.beat_families()] == ["ewtp_metrics_source_up"]  # none yet
        seconds, _ = client.time()
        client.hset(f"{key_prefix}:heartbeat", mapping={"at": seconds - 42, "host": "h", "pid": 1})
        try:
            found = {f.name: f for f in metrics.beat_families()}
        finally:
            client.delete(f"{key_prefix}:heartbeat")
    assert 41 <= found["ewtp_beat_heartbeat_age_seconds"].samples[0].value <= 44


def test_without_a_beat_in_redis_there_is_no_heartbeat_series():
    with override_settings(CELERY_REDBEAT_KEY_PREFIX=""):
        assert list(metrics.beat_families()) == []


@override_settings(CELERY_HUBS_ROUTED=["KUL"])
def test_a_routed_hubs_queues_are_the_deployments_too():
    app = Celery("routed", broker="memory://", set_as_current=False)
    app.conf.task_default_queue = "hub"
    queues = metrics.deployment_queues(app)
    assert {"hub", "hub.clearance", "hub.clearance.KUL", "hub.notifications.KUL"} <= set(queues)
    assert list(metrics.queue_depth_families(app)) == []  # no queues to read in memory


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_a_collector_that_fails_is_reported_down_and_the_rest_still_scraped(client):
    class Broken:
        def collect(self):
            raise RuntimeError("cannot count")

    metrics.collector_register("tests_broken", Broken())
    try:
        found = families(scrape(client))
    finally:
        metrics._collectors.pop("tests_broken")
    assert samples(found["ewtp_metrics_source_up"], source="tests_broken")[0].value == 0
    assert samples(found["ewtp_metrics_source_up"], source="scrape")[0].value == 1
    assert "ewtp_outbox_undispatched_events" in found


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_every_family_appears_once_on_the_page(client):
    text = scrape(client).content.decode()
    types = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")]
    assert len(types) == len(set(types))
