"""How long Celery tasks wait in their queue and how long they run, added up across every
worker process in Redis, where the web's /metrics reads them.

Tasks run in worker processes and the scrape reaches a web process, so the histograms cannot
live in either's memory. The sender stamps each message with the time it was sent (and the
request it was sent from, for the logs); when the task ends, its worker adds the queue wait
and the run time to histogram buckets in one Redis hash with one pipelined round trip
(HINCRBY / HINCRBYFLOAT: concurrent workers add without a lock). The buckets are stored per
bucket, not cumulative, so that a task touches one field per histogram; the reader adds them
up. Without Redis (METRICS_REDIS_URL empty) nothing is recorded and the series are absent.

The wait is the worker's clock at the start minus the sender's at sending (or the ETA the
task was given, if later): across hosts it is as good as their clock synchronisation (NTP,
a few milliseconds). A task run eagerly (tests, the caller's process) is not counted.

The handlers are connected in ewtp/celery.py.
"""

import bisect
import contextlib
import functools
import logging
import time
from datetime import datetime

import redis
from django.conf import settings
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.utils import floatToGoString

from .logs import request_id_var, task_context_enter, task_context_leave

logger = logging.getLogger(__name__)

SENT_AT_HEADER = "ewtp_sent_at"
REQUEST_ID_HEADER = "ewtp_request_id"
# Upper bounds in seconds (+Inf after the last): a queue wait runs from milliseconds on an
# idle worker to minutes behind a backlog; a run from a one-row update to a batch of
# thousands near the soft time limit (60 s).
WAIT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)
RUN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 90)
# an unknown bucket in a field name (buckets changed since it was written) is skipped
_FIELD_SEPARATOR = "|"

_started: dict[str, tuple[float, float]] = {}  # task id → (wall clock, perf counter) at start


@functools.cache
def _client(url: str, timeout: float) -> redis.Redis:
    # one pool per process; redis-py opens a fresh one in a forked child by itself
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
    )


def redis_client(url: str) -> redis.Redis:
    """A client of the Redis at ``url`` with the metrics' short timeouts: a scrape, or a
    task recording itself, never waits long on it."""
    return _client(url, settings.METRICS_REDIS_TIMEOUT_SECONDS)


def metrics_redis() -> redis.Redis | None:
    """The Redis that keeps the hub's metrics across processes, or None without one."""
    url = settings.METRICS_REDIS_URL
    return redis_client(url) if url else None


def tasks_key() -> str:
    return f"{settings.METRICS_KEY_PREFIX}:tasks"


def task_published(headers: dict | None) -> None:
    """Stamp an outgoing task message (before_task_publish): when, and from which request."""
    if headers is None:
        return
    headers[SENT_AT_HEADER] = time.time()
    request_id = request_id_var.get()
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id


def task_started(task_id: str, task) -> None:
    """task_prerun: the task's id (and its sender's request id) on the logs from now on, and
    the clock started."""
    request = getattr(task, "request", None)
    request_id = request.get(REQUEST_ID_HEADER) if request is not None else None
    task_context_enter(task_id, request_id or "")
    if request is not None and not request.is_eager:
        _started[task_id] = (time.time(), time.perf_counter())


def task_finished(task_id: str, task, state: str | None) -> None:
    """task_postrun: the wait and the run added to the histograms, then the log context of
    the task left."""
    try:
        started = _started.pop(task_id, None)
        if started is not None:
            _record(task, started, state or "UNKNOWN")
    finally:
        task_context_leave(task_id)


def _record(task, started: tuple[float, float], state: str) -> None:
    client = metrics_redis()
    if client is None:
        return
    started_wall, started_perf = started
    run = time.perf_counter() - started_perf
    request = task.request
    queue = (request.delivery_info or {}).get("routing_key") or "unknown"
    wait = _waited(request, started_wall)
    key = tasks_key()
    pipe = client.pipeline(transaction=False)
    _observe(pipe, key, "run", task.name, run, RUN_BUCKETS)
    if wait is not None:
        _observe(pipe, key, "wait", queue, wait, WAIT_BUCKETS)
    pipe.hincrby(key, _field("done", task.name, state), 1)
    try:
        pipe.execute()
    except redis.RedisError as error:
        # the task's own work is done and committed: a metric lost is not worth failing it
        logger.warning("task metrics not recorded: %s", type(error).__name__)


def _waited(request, started_wall: float) -> float | None:
    sent_at = request.get(SENT_AT_HEADER)
    if not isinstance(sent_at, int | float):
        return None  # sent by a process without the stamp (or by beat before an upgrade)
    ready_at = float(sent_at)
    if request.eta:
        with contextlib.suppress(TypeError, ValueError):  # an ETA that is not ISO 8601
            ready_at = max(ready_at, datetime.fromisoformat(request.eta).timestamp())
    return max(started_wall - ready_at, 0.0)


def _field(*parts: str) -> str:
    return _FIELD_SEPARATOR.join(parts)


def _observe(pipe, key: str, histogram: str, label: str, value: float, buckets) -> None:
    index = bisect.bisect_left(buckets, value)  # the first bound ≥ value; len: +Inf
    bound = floatToGoString(buckets[index]) if index < len(buckets) else "+Inf"
    pipe.hincrby(key, _field(histogram, label, bound), 1)
    pipe.hincrbyfloat(key, _field(histogram, label, "sum"), value)


def task_metric_families(fields: dict[str, str]) -> list:
    """The histograms and the counter, from the hash's fields as HGETALL returns them."""
    wait = _Histogram("wait", WAIT_BUCKETS)
    run = _Histogram("run", RUN_BUCKETS)
    done = CounterMetricFamily(
        "ewtp_celery_tasks_finished",
        "Celery tasks that finished on a worker, by task and final state.",
        labels=["task", "state"],
    )
    for field, value in fields.items():
        parts = field.split(_FIELD_SEPARATOR)
        if len(parts) != 3:
            continue
        kind, label, rest = parts
        if kind == "wait":
            wait.add(label, rest, value)
        elif kind == "run":
            run.add(label, rest, value)
        elif kind == "done":
            done.add_metric([label, rest], float(value))
    return [
        wait.family(
            "ewtp_celery_task_queue_wait_seconds",
            "Time from a task's sending (or its ETA) to a worker starting it, by queue.",
            "queue",
        ),
        run.family("ewtp_celery_task_run_seconds", "Time a task ran on a worker, by task.", "task"),
        done,
    ]


class _Histogram:
    """Per-bucket counts and sums per label value, turned cumulative for the exposition."""

    def __init__(self, name: str, buckets):
        self.name = name
        self.bounds = [floatToGoString(bound) for bound in buckets] + ["+Inf"]
        self.counts: dict[str, dict[str, int]] = {}
        self.sums: dict[str, float] = {}

    def add(self, label: str, part: str, value: str) -> None:
        if part == "sum":
            self.sums[label] = float(value)
        elif part in self.bounds:
            self.counts.setdefault(label, {})[part] = int(value)

    def family(self, metric: str, documentation: str, label_name: str) -> HistogramMetricFamily:
        family = HistogramMetricFamily(metric, documentation, labels=[label_name])
        for label, counts in sorted(self.counts.items()):
            cumulative, buckets = 0, []
            for bound in self.bounds:
                cumulative += counts.get(bound, 0)
                buckets.append((bound, cumulative))
            family.add_metric([label], buckets, self.sums.get(label, 0.0))
        return family
