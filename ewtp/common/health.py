"""The probes: is this process up, can it serve, is the hub doing its work?

- `/livez`: the process answers requests. No dependency is checked, so a supervisor that
  restarts on failure restarts only a process that is itself stuck, never every process
  because the database is away.
- `/healthz`: this web process can serve: it reaches its database and its Celery broker. What
  the container's health check and a load balancer's pool check call (and did before /readyz):
  a stopped beat is no reason to stop serving pages, so its heartbeat is read and reported
  beside the checks but does not change the answer.
- `/readyz`: the hub can do its work: the database, the broker and, when the beat runs on Redis
  (ewtp/common/beat.py), a beat heartbeat younger than BEAT_STALE_AFTER. For monitoring, deploy
  gates and the beat containers' health check; a stale beat makes every web process unready,
  so a load balancer should not drop web processes on it.

Each answers 200 or 503 with what it checked; nothing in the answer is secret.
"""

import logging

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .beat import beat_heartbeat_read, beat_in_redis

logger = logging.getLogger(__name__)


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        logger.warning("healthz: database unreachable: %s", exc)
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}


def _broker() -> dict:
    transport = current_app.conf.broker_url.split("://", 1)[0]
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:
        logger.warning("healthz: broker unreachable: %s", exc)
        return {"ok": False, "transport": transport, "error": type(exc).__name__}


def _beat() -> dict:
    """The beat's last heartbeat; not applicable to a beat with a schedule file (the demo),
    which has no heartbeat another process can read."""
    if not beat_in_redis():
        return {"ok": True, "applicable": False}
    stale_after = settings.BEAT_STALE_AFTER
    try:
        heartbeat = beat_heartbeat_read()
    except Exception as exc:
        logger.warning("readyz: beat heartbeat unreadable: %s", exc)
        return {"ok": False, "applicable": True, "error": type(exc).__name__}
    if heartbeat is None:
        logger.warning("readyz: no beat has ever ticked")
        return {"ok": False, "applicable": True, "error": "no_heartbeat"}
    age = heartbeat["age_seconds"]
    if age > stale_after:
        logger.warning(
            "readyz: beat stale, last tick %.0f s ago by %s pid %s",
            age,
            heartbeat["host"],
            heartbeat["pid"],
        )
    return {
        "ok": age <= stale_after,
        "applicable": True,
        "age_seconds": age,
        "stale_after_seconds": stale_after,
    }


def _answer(checks: dict, **reported: dict) -> JsonResponse:
    """200 when every check is ok, else 503; ``reported`` goes along without changing it."""
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks, **reported},
        status=200 if healthy else 503,
    )


@never_cache
@require_GET
def livez(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def healthz(request):
    return _answer({"database": _database(), "broker": _broker()}, beat=_beat())


@never_cache
@require_GET
def readyz(request):
    return _answer({"database": _database(), "broker": _broker(), "beat": _beat()})
