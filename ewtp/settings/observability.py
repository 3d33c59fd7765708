"""Logs and metrics.

Logs: one console handler; LOG_FORMAT picks plain lines (development, tests) or one JSON
object per line (production's default), each with the request id and the Celery task id it
was written under (ewtp/common/logs.py).

Metrics: /metrics in Prometheus' text format (ewtp/common/metrics.py), for the scraper
only: it must present METRICS_TOKEN as a bearer token, connect from METRICS_ALLOWED_NETWORKS,
or both, whichever are set; with neither set nobody may read it. Everyone else is told the
page does not exist.
"""

import ipaddress

from django.core.exceptions import ImproperlyConfigured

from .environment import REDIS_URL, env

# --- Logging --------------------------------------------------------------------------------
LOG_FORMATS = ("plain", "json")


def logging_config(log_format: str) -> dict:
    """The LOGGING of a process that writes ``log_format`` lines (one of LOG_FORMATS)."""
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {LOG_FORMATS}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "ewtp.common.logs.LogContextFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s%(context)s"},
            "json": {
                "()": "ewtp.common.logs.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
            # the filesystem broker has no host name and says so on every connection
            "kombu.connection": {"level": "ERROR"},
        },
    }


# production reads LOG_FORMAT with "json" as its default (ewtp/settings/production.py)
LOGGING = logging_config(env("LOG_FORMAT", default="plain"))

# --- Metrics --------------------------------------------------------------------------------
# The scraper's bearer token (compared in constant time); empty: no token is asked for.
METRICS_TOKEN = env("METRICS_TOKEN", default="")


def metrics_networks(values: list[str]) -> list[str]:
    """METRICS_ALLOWED_NETWORKS, checked when the settings load."""
    values = [value.strip() for value in values if value.strip()]
    for value in values:
        try:
            ipaddress.ip_network(value)
        except ValueError as error:
            raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {error}") from None
    return values


# The networks the scraper connects from (the client's address as ewtp.common.http.client_ip
# tells it, behind TRUSTED_PROXIES); empty: any address, if the token is right.
METRICS_ALLOWED_NETWORKS = metrics_networks(env.list("METRICS_ALLOWED_NETWORKS", default=[]))
# Where the workers add up their tasks' queue waits and run times, for the web's scrape to
# read (no Redis: those series are absent). Deployments sharing one Redis (staging beside
# production) keep apart by their queues' prefix, and so do their metrics by default.
METRICS_REDIS_URL = env("METRICS_REDIS_URL", default=REDIS_URL)
METRICS_KEY_PREFIX = env(
    "METRICS_KEY_PREFIX", default=f"ewtp:metrics:{env.str('CELERY_QUEUE', default='celery')}"
)
# a scrape waits this long for Redis at most, and a task's record of itself as long
METRICS_REDIS_TIMEOUT_SECONDS = env.float("METRICS_REDIS_TIMEOUT_SECONDS", default=0.5)
PROMETHEUS_EXPORT_MIGRATIONS = False


def database_counted(database: dict) -> dict:
    """``database`` (a DATABASES entry) on our backend of its engine, built on
    django-prometheus' (ewtp/common/db_backends): it counts queries, errors and new
    connections by alias and vendor for /metrics, with less work per query."""
    engine = database["ENGINE"]
    if engine in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        database["ENGINE"] = f"ewtp.common.db_backends.{engine.rpartition('.')[2]}"
    return database
