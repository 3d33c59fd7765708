"""Which queue a task goes to, and which queues a worker takes.

A deployment's queues share its prefix (CELERY_QUEUE, Celery's ``task_default_queue``): one
queue per kind of work, ``<prefix>.<kind>``, so that a slow rebuild never waits in front of a
clearance, and one per kind for each hub that has workers of its own,
``<prefix>.<kind>.<HUB>``. A task is of the kind its name says (the table
CELERY_TASK_KINDS in ewtp/settings/celery_routes.py); it goes to its hub's queue when its
keyword arguments name the hub (``hub="KUL"``) and that hub is one of CELERY_HUBS_ROUTED,
and to the kind's shared queue otherwise. The bare prefix stays a queue too: it holds what
was sent before the kinds existed, and every worker that takes the shared queues takes it.

The prefix is read when the task is sent, not when the settings are loaded: a test or a
benchmark that gives itself a prefix of its own keeps all of its work apart.
"""

from collections.abc import Iterable, Mapping

from celery import current_app
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CLEARANCE = "clearance"  # customs: assessment, risk, lanes, release, and their sweeps
JOURNEY = "journey"  # orders, payments, logistics, and the outbox that drives the pipeline
NOTIFICATIONS = "notifications"  # e-mails and webhooks: what the hub tells the outside
CATALOGUE = "catalogue"  # the sellers' product imports and pictures
ANALYTICS = "analytics"  # facts, rollups and nightly scores: nobody waits on them
HOUSEKEEPING = "housekeeping"  # dropping what has expired
KINDS = (CLEARANCE, JOURNEY, NOTIFICATIONS, CATALOGUE, ANALYTICS, HOUSEKEEPING)

# In a worker's CELERY_HUBS: the kinds' shared queues (and the bare prefix), as against the
# queues of one hub. Hub codes are three capitals, so it cannot be taken for one.
SHARED = "shared"


def task_kind(name: str, table: Mapping[str, str] | None = None) -> str | None:
    """The kind of the task called ``name``: the entry of ``table`` that is the longest
    beginning of the name (a module, ``"customs.tasks."``, or one task's full name)."""
    table = settings.CELERY_TASK_KINDS if table is None else table
    matches = [start for start in table if name.startswith(start)]
    return table[max(matches, key=len)] if matches else None


def queue_name(prefix: str, kind: str, hub: str = "") -> str:
    return f"{prefix}.{kind}.{hub}" if hub else f"{prefix}.{kind}"


def hubs_routed() -> frozenset[str]:
    """The hubs that have workers of their own (CELERY_HUBS_ROUTED)."""
    return frozenset(settings.CELERY_HUBS_ROUTED)


def task_route(name, args, kwargs, options, task=None, **_):
    """Celery's router (CELERY_TASK_ROUTES): the queue of a task about to be sent. A queue
    the caller names (``apply_async(queue=...)``) still wins; a task of no kind goes to the
    bare prefix, which tests/common/test_queues.py keeps from happening to the hub's own."""
    kind = task_kind(name)
    if kind is None:
        return None
    prefix = (task.app if task is not None else current_app).conf.task_default_queue
    hub = (kwargs or {}).get("hub") or ""
    return {"queue": queue_name(prefix, kind, hub if hub in hubs_routed() else "")}


def worker_queues(
    prefix: str, kinds: Iterable[str] = KINDS, hubs: Iterable[str] = (SHARED,)
) -> list[str]:
    """The queues of a worker taking the ``kinds`` of work of the ``hubs`` (hub codes, and
    SHARED for the kinds' shared queues and the bare prefix)."""
    kinds, hubs = list(kinds), list(hubs)
    queues = [prefix] if SHARED in hubs else []
    for hub in hubs:
        queues += [queue_name(prefix, kind, "" if hub == SHARED else hub) for kind in kinds]
    return queues


def worker_queues_configured(prefix: str) -> list[str]:
    """The queues the environment gives a worker started without ``-Q``: the kinds of
    CELERY_KINDS (all when empty) of the hubs of CELERY_HUBS (when empty: the shared queues
    and those of every routed hub, so that one worker alone takes everything). A kind or
    hub that names nothing is refused, not left to wait for work that never comes."""
    kinds = settings.CELERY_WORKER_KINDS or list(KINDS)
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ImproperlyConfigured(
            f"CELERY_KINDS names {', '.join(unknown)}; the kinds are {', '.join(KINDS)}"
        )
    routed = hubs_routed()
    hubs = settings.CELERY_WORKER_HUBS or [SHARED, *sorted(routed)]
    unrouted = sorted(set(hubs) - routed - {SHARED})
    if unrouted:
        raise ImproperlyConfigured(
            f"CELERY_HUBS names {', '.join(unrouted)}, which CELERY_HUBS_ROUTED does not route "
            f"(nothing would be sent to their queues)"
        )
    return worker_queues(prefix, kinds, hubs)
