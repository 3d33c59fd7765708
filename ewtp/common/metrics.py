"""/metrics in Prometheus' text format: Django's request and database series
(django-prometheus) and the hub's own, read when the scraper asks.

The hub's series are gauges of the state of things, measured at scrape time with a fixed
number of reads whatever the hub holds: one query per table (the outbox, the webhook
deliveries; each app's collector adds its own, e.g. customs/metrics.py), one pipelined round
trip per Redis (the broker's queues, the workers' task histograms in ewtp/common/
task_metrics.py, beat's heartbeat). A source that cannot be read is reported as
``ewtp_metrics_source_up{source=…} 0`` and its series left out, rather than failing the
scrape. An app registers its collector with ``collector_register`` from its AppConfig.ready
(the kernel imports no app).

The page is for the scraper only (``scraper_allowed``); anyone else gets the 404 of any
unknown page.
"""

import hmac
import ipaddress
import logging
import os
from collections import Counter
from urllib.parse import urlsplit

import redis
from celery import current_app
from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

# the classic text format, which every Prometheus reads (names are never escaped here)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from . import beat, queues, task_metrics
from .http import client_ip
from .models import OutboxEvent, WebhookDelivery

logger = logging.getLogger(__name__)

_collectors: dict[str, object] = {}


def collector_register(name: str, collector) -> None:
    """Add ``collector`` (an object with ``collect()`` yielding metric families, as
    prometheus_client's custom collectors) to every scrape. Registering a name again
    replaces its collector: ready() may run more than once (tests)."""
    _collectors[name] = collector


SOURCE_UP = "ewtp_metrics_source_up"


def source_up(source: str, up: bool = True) -> GaugeMetricFamily:
    """Whether ``source`` could be read; the scrape merges these into one family."""
    family = GaugeMetricFamily(
        SOURCE_UP,
        "Whether the scrape could read this source (0: its series are left out).",
        labels=["source"],
    )
    family.add_metric([source], 1 if up else 0)
    return family


def _age_seconds(since, now) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0


# --- Queues ---------------------------------------------------------------------------------


def deployment_queues(app=None) -> list[str]:
    """Every queue this deployment's workers take: the bare prefix, each kind's shared queue
    and each routed hub's queue of each kind (ewtp/common/queues.py), and any other queue
    the Celery configuration declares."""
    app = app or current_app
    routed = sorted(queues.hubs_routed())
    names = queues.worker_queues(
        app.conf.task_default_queue, queues.KINDS, [queues.SHARED, *routed]
    )
    names += [queue.name for queue in (app.conf.task_queues or ())]
    return list(dict.fromkeys(names))


def queue_depth_families(app=None):
    """The messages waiting in each queue: Redis's list lengths (one pipeline), or the files
    of the filesystem broker; absent for another transport (the tests' in-memory one)."""
    app = app or current_app
    names = deployment_queues(app)
    url = app.conf.broker_url or ""
    scheme = urlsplit(url).scheme
    try:
        if scheme in ("redis", "rediss"):
            depths = _redis_depths(app, url, names)
        elif scheme == "filesystem":
            depths = _filesystem_depths(app, names)
        else:
            return
    except (redis.RedisError, OSError) as error:
        logger.warning("metrics: broker queues unreadable: %s", type(error).__name__)
        yield source_up("broker", False)
        return
    yield source_up("broker", True)
    family = GaugeMetricFamily(
        "ewtp_celery_queue_messages",
        "Messages waiting in each Celery queue of the deployment (not yet taken by a worker).",
        labels=["queue"],
    )
    for name in names:
        family.add_metric([name], depths.get(name, 0))
    yield family


def _redis_depths(app, url: str, names: list[str]) -> dict[str, int]:
    options = app.conf.broker_transport_options or {}
    prefix = options.get("global_keyprefix", "")
    separator = options.get("sep", "\x06\x16")
    # kombu keeps a queue's messages of priority p > 0 in a list of their own
    steps = [step for step in options.get("priority_steps", [0, 3, 6, 9]) if step]
    client = task_metrics.redis_client(url.split(";")[0])
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.llen(f"{prefix}{name}")
            for step in steps:
                pipe.llen(f"{prefix}{name}{separator}{step}")
        lengths = iter(pipe.execute())
    return {name: sum(next(lengths) for _ in range(1 + len(steps))) for name in names}


def _filesystem_depths(app, names: list[str]) -> dict[str, int]:
    # kombu's filesystem transport: one file per message, <ms>_<uuid>.<queue>.msg
    folder = (app.conf.broker_transport_options or {}).get("data_folder_in")
    if not folder:
        return {}
    counts: Counter = Counter()
    wanted = set(names)
    for entry in os.scandir(folder):
        rest = entry.name.partition(".")[2]
        if rest.endswith(".msg") and rest[: -len(".msg")] in wanted:
            counts[rest[: -len(".msg")]] += 1
    return counts


# --- Tasks and beat (Redis) -----------------------------------------------------------------


def task_families():
    client = task_metrics.metrics_redis()
    if client is None:
        return
    try:
        fields = client.hgetall(task_metrics.tasks_key())
    except redis.RedisError as error:
        logger.warning("metrics: task histograms unreadable: %s", type(error).__name__)
        yield source_up("task_histograms", False)
        return
    yield source_up("task_histograms", True)
    yield from task_metrics.task_metric_families(fields)


def beat_families():
    if not beat.beat_in_redis():
        return
    try:
        heartbeat = beat.beat_heartbeat_read()
    except redis.RedisError as error:
        logger.warning("metrics: beat heartbeat unreadable: %s", type(error).__name__)
        yield source_up("beat", False)
        return
    yield source_up("beat", True)
    if heartbeat is not None:
        yield GaugeMetricFamily(
            "ewtp_beat_heartbeat_age_seconds",
            "Seconds since the active beat's last tick (by Redis's clock).",
            value=heartbeat["age_seconds"],
        )


# --- The outbox and the webhooks (database: one query each) ----------------------------------


def outbox_families(now):
    waiting = OutboxEvent.objects.filter(dispatched_at__isnull=True).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    yield GaugeMetricFamily(
        "ewtp_outbox_undispatched_events",
        "Domain events recorded and not yet handed to every subscriber.",
        value=waiting["count"],
    )
    yield GaugeMetricFamily(
        "ewtp_outbox_lag_seconds",
        "Age of the oldest undispatched domain event (0: none waiting).",
        value=_age_seconds(waiting["oldest"], now),
    )


def webhook_families(now):
    pending, failed = WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED
    rows = WebhookDelivery.objects.filter(status__in=[pending, failed]).aggregate(
        pending=Count("id", filter=Q(status=pending)),
        failed=Count("id", filter=Q(status=failed)),
        oldest_pending=Min("created_at", filter=Q(status=pending)),
    )
    deliveries = GaugeMetricFamily(
        "ewtp_webhook_deliveries",
        "Webhook deliveries waiting for an attempt (pending) or given up on (failed).",
        labels=["status"],
    )
    deliveries.add_metric(["pending"], rows["pending"])
    deliveries.add_metric(["failed"], rows["failed"])
    yield deliveries
    yield GaugeMetricFamily(
        "ewtp_webhook_oldest_pending_age_seconds",
        "Age of the oldest webhook delivery still pending (0: none).",
        value=_age_seconds(rows["oldest_pending"], now),
    )


def guarded(source: str, produce) -> list:
    """The families ``produce()`` yields, or the source reported down if it fails (the
    database unreachable, an app's collector broken): the rest of the scrape still counts."""
    try:
        return list(produce())
    except Exception:
        logger.exception("metrics: %s unreadable", source)
        return [source_up(source, False)]


class KernelCollector:
    """The kernel's series: queues, tasks, beat, outbox, webhooks."""

    def collect(self):
        now = timezone.now()
        yield from queue_depth_families()
        yield from task_families()
        yield from beat_families()
        yield from guarded("outbox", lambda: outbox_families(now))
        yield from guarded("webhooks", lambda: webhook_families(now))


# --- The page -------------------------------------------------------------------------------


class HubScrape:
    """What one scrape exposes: this process's django-prometheus series (every process's,
    with PROMETHEUS_MULTIPROC_DIR under a multi-process server), the kernel's and each
    registered app's. An app collector that fails is reported down, not fatal."""

    def collect(self):
        # each part says whether its source could be read; a family appears once on the page
        sources = source_up("scrape")
        for family in self._families():
            if family.name == SOURCE_UP:
                sources.samples.extend(family.samples)
            else:
                yield family
        yield sources

    def _families(self):
        yield from _process_registry().collect()
        yield from KernelCollector().collect()
        for name, collector in sorted(_collectors.items()):
            yield from guarded(name, collector.collect)


def _process_registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def scraper_allowed(request) -> bool:
    """Each guard that is configured must pass: the bearer token (METRICS_TOKEN) and the
    client's network (METRICS_ALLOWED_NETWORKS). With neither configured, nobody passes."""
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        return False
    if token:
        scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return False
    if networks:
        try:
            address = ipaddress.ip_address(client_ip(request))
        except ValueError:
            return False
        if not any(address in ipaddress.ip_network(network) for network in networks):
            return False
    return True


@csrf_exempt
def metrics(request):
    if not scraper_allowed(request):
        raise Http404  # the same answer as any page that does not exist: nothing advertised
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = HttpResponse(generate_latest(HubScrape()), content_type=CONTENT_TYPE_PLAIN_0_0_4)
    response["Cache-Control"] = "no-store"
    return response
