"""Queue waits and run times of Celery tasks: recorded by the workers in Redis with one round
trip per task, read by the web's /metrics."""

import os
import time
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import redis
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from ewtp.celery import app as celery_app
from ewtp.common import task_metrics
from ewtp.common.logs import request_id_var, task_id_var
from tests.conftest import celery_worker

TOKEN = "scrape-token-for-tests-0123456789"
needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI runs it on Redis)"
)
seen_in_tasks: list[tuple[str, str]] = []


@celery_app.task(name="tests.metrics_nap")
def nap(seconds: float) -> None:
    seen_in_tasks.append((task_id_var.get(), request_id_var.get()))
    time.sleep(seconds)


@contextmanager
def redis_round_trips():
    """Counts the round trips to Redis of the block: commands sent alone, and pipelines."""
    counted = {"n": 0}
    command, execute = redis.Redis.execute_command, redis.client.Pipeline.execute

    def counting_command(self, *args, **kwargs):
        counted["n"] += 1
        return command(self, *args, **kwargs)

    def counting_execute(self, *args, **kwargs):
        counted["n"] += 1
        return execute(self, *args, **kwargs)

    redis.Redis.execute_command = counting_command
    redis.client.Pipeline.execute = counting_execute
    try:
        yield counted
    finally:
        redis.Redis.execute_command, redis.client.Pipeline.execute = command, execute


@pytest.fixture
def metrics_key():
    """A key prefix of the test's own, removed after it."""
    prefix = f"tests:metrics:{uuid.uuid4().hex[:8]}"
    with override_settings(METRICS_KEY_PREFIX=prefix):
        yield task_metrics.tasks_key()
        client = task_metrics.metrics_redis()
        if client is not None:
            client.delete(task_metrics.tasks_key())


def fake_task(name: str, *, sent_at: float | None, queue: str = "hub.journey"):
    headers = {} if sent_at is None else {task_metrics.SENT_AT_HEADER: sent_at}
    request = SimpleNamespace(
        is_eager=False,
        eta=None,
        delivery_info={"routing_key": queue},
        get=headers.get,
    )
    return SimpleNamespace(name=name, request=request)


def test_buckets_are_added_up_into_cumulative_histograms():
    fields = {
        "run|t.a|0.01": "2",
        "run|t.a|1.0": "1",
        "run|t.a|+Inf": "1",
        "run|t.a|sum": "100.52",
        "wait|hub.journey|0.005": "4",
        "wait|hub.journey|sum": "0.01",
        "done|t.a|SUCCESS": "3",
        "done|t.a|FAILURE": "1",
        "run|t.a|0.333": "7",  # a bucket no longer used: ignored
        "junk": "1",
    }
    found = {f.name: f for f in task_metrics.task_metric_families(fields)}
    run = {
        (s.name, s.labels.get("le")): s.value for s in found["ewtp_celery_task_run_seconds"].samples
    }
    assert run[("ewtp_celery_task_run_seconds_bucket", "0.005")] == 0
    assert run[("ewtp_celery_task_run_seconds_bucket", "0.01")] == 2
    assert run[("ewtp_celery_task_run_seconds_bucket", "1.0")] == 3
    assert run[("ewtp_celery_task_run_seconds_bucket", "+Inf")] == 4
    assert run[("ewtp_celery_task_run_seconds_count", None)] == 4
    assert run[("ewtp_celery_task_run_seconds_sum", None)] == pytest.approx(100.52)
    wait = found["ewtp_celery_task_queue_wait_seconds"].samples
    assert {s.labels["queue"] for s in wait} == {"hub.journey"}
    done = {tuple(s.labels.values()): s.value for s in found["ewtp_celery_tasks_finished"].samples}
    assert done == {("t.a", "SUCCESS"): 3, ("t.a", "FAILURE"): 1}


@override_settings(METRICS_REDIS_URL="")
def test_without_redis_nothing_is_recorded_and_the_series_are_absent():
    task = fake_task("t.a", sent_at=time.time())
    with redis_round_trips() as trips:
        task_metrics.task_started("id-1", task)
        task_metrics.task_finished("id-1", task, "SUCCESS")
    assert trips["n"] == 0
    assert task_id_var.get() == ""
    from ewtp.common.metrics import task_families

    assert list(task_families()) == []


@needs_redis
def test_a_task_records_itself_in_one_round_trip_and_it_costs_little(metrics_key):
    client = task_metrics.metrics_redis()
    runs = 500
    task = fake_task("t.overhead", sent_at=time.time())
    started = time.perf_counter()
    with redis_round_trips() as trips:
        for n in range(runs):
            task_metrics.task_started(f"id-{n}", task)
            task_metrics.task_finished(f"id-{n}", task, "SUCCESS")
    per_task = (time.perf_counter() - started) / runs
    assert trips["n"] == runs  # one pipeline each, nothing else
    fields = client.hgetall(metrics_key)
    assert fields["done|t.overhead|SUCCESS"] == str(runs)
    assert sum(int(v) for k, v in fields.items() if k.startswith("run|") and "sum" not in k) == runs
    print(f"\ntask metrics: {per_task * 1e6:.0f} µs per task (prerun + postrun, local Redis)")
    assert per_task < 0.005


@needs_redis
def test_a_redis_that_fails_loses_the_metric_not_the_task(metrics_key):
    task = fake_task("t.a", sent_at=time.time())
    with override_settings(METRICS_REDIS_URL="redis://127.0.0.1:9/0"):  # nothing listens
        task_metrics.task_started("id-x", task)
        task_metrics.task_finished("id-x", task, "SUCCESS")  # logged, not raised
    assert task_id_var.get() == ""


@pytest.mark.worker
@needs_redis
@pytest.mark.django_db(transaction=True)  # the worker thread closes the database connections
def test_queue_waits_and_run_times_of_a_real_workers_tasks_reach_metrics(
    isolated_queue, metrics_key, client
):
    seen_in_tasks.clear()
    with celery_worker(isolated_queue):
        token = request_id_var.set("request-sending-the-naps")
        try:
            sent = [nap.delay(0.05).id for _ in range(3)]
        finally:
            request_id_var.reset(token)
        client_redis = task_metrics.metrics_redis()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if client_redis.hget(metrics_key, "done|tests.metrics_nap|SUCCESS") == "3":
                break
            time.sleep(0.05)
    with override_settings(METRICS_TOKEN=TOKEN):
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    found = {f.name: f for f in text_string_to_metric_families(response.content.decode())}
    run = {
        (s.name, s.labels.get("le")): s.value
        for s in found["ewtp_celery_task_run_seconds"].samples
        if s.labels["task"] == "tests.metrics_nap"
    }
    assert run[("ewtp_celery_task_run_seconds_count", None)] == 3
    assert run[("ewtp_celery_task_run_seconds_bucket", "0.025")] == 0  # each napped 50 ms
    assert run[("ewtp_celery_task_run_seconds_bucket", "0.1")] == 3
    assert 0.15 <= run[("ewtp_celery_task_run_seconds_sum", None)] < 1
    waits = [
        s
        for s in found["ewtp_celery_task_queue_wait_seconds"].samples
        if s.name.endswith("_count") and s.labels["queue"].startswith(isolated_queue)
    ]
    assert sum(s.value for s in waits) == 3
    finished = found["ewtp_celery_tasks_finished"].samples
    assert any(
        s.labels == {"task": "tests.metrics_nap", "state": "SUCCESS"} and s.value == 3
        for s in finished
    )
    # the worker logged each task under its id and the id of the request that sent it
    assert sorted(seen_in_tasks) == sorted((i, "request-sending-the-naps") for i in sent)
