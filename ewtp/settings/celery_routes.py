"""Which queue each kind of work, and each hub's work, goes to (ewtp/common/queues.py).

Queues are named from the deployment's prefix (CELERY_QUEUE, default ``celery``):
``<prefix>.<kind>`` for a kind's shared queue, ``<prefix>.<kind>.<HUB>`` for a hub with
workers of its own. Senders (web, beat, workers) read CELERY_HUBS_ROUTED; a worker started
without ``-Q`` reads CELERY_KINDS and CELERY_HUBS to choose its queues.
"""

from .environment import env

CELERY_TASK_ROUTES = ["ewtp.common.queues.task_route"]

# The kind of every task, by the beginning of its name (the longest entry that fits wins).
# A task none of them fits goes to the bare prefix, which tests/common/test_queues.py
# refuses: a new task is given its kind here.
CELERY_TASK_KINDS = {
    # assessment, risk, lanes and release of declarations, and the customs sweeps
    "customs.tasks.": "clearance",
    # the order journey: what moves an order, its money and its parcels, and the outbox
    # whose events drive the pipeline's steps
    "hubs.tasks.orders_expire_task": "journey",
    "payments.tasks.": "journey",
    "logistics.tasks.": "journey",
    "pipeline.tasks.": "journey",
    "ewtp.common.tasks.outbox_": "journey",
    # e-mails and webhooks: their delivery waits on other people's servers
    "ewtp.common.tasks.email": "notifications",
    "ewtp.common.tasks.webhook": "notifications",
    # messages to peer hub deployments: like webhooks, they wait on another's server
    "peering.tasks.outbound_": "notifications",
    # a seller's catalogue: a 10,000-row import runs for minutes
    "hubs.tasks.product_": "catalogue",
    # reporting: nobody waits on it, and a rebuild may run for half an hour
    "analytics.tasks.": "analytics",
    "pipeline.tasks.credit_scores_nightly_task": "analytics",
    # dropping what has expired or is past its retention
    "ewtp.common.tasks.idempotency_keys_expire_task": "housekeeping",
    "ewtp.common.tasks.retention_": "housekeeping",
    "peering.tasks.nonces_": "housekeeping",
}


def _names(variable: str) -> list[str]:
    """A comma-separated list from the environment, spaces around its names ignored."""
    return [name.strip() for name in env.list(variable, default=[]) if name.strip()]


# The hubs whose work goes to queues of their own, e.g. "KUL,HGH" (default none: every task
# goes to its kind's shared queue). Every process of the deployment reads the same list.
CELERY_HUBS_ROUTED = [code.upper() for code in _names("CELERY_HUBS_ROUTED")]

# A worker started without -Q: the kinds it takes (default every kind) ...
CELERY_WORKER_KINDS = [kind.lower() for kind in _names("CELERY_KINDS")]
# ... and whose: hub codes and/or "shared" (the kinds' shared queues and the bare prefix).
# Default: the shared queues and every routed hub's, so that one worker alone takes all.
CELERY_WORKER_HUBS = [
    hub.lower() if hub.lower() == "shared" else hub.upper() for hub in _names("CELERY_HUBS")
]
