"""Celery entry points of the customs app: ids in, one service call, nothing else."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services.clearance import declaration_process, declarations_process
from .services.lvg import lvg_threshold_sweep
from .services.sweeper import declarations_stuck_sweep


# Transient database errors (a dropped connection, a deadlock victim, a failover) are
# retried; each step acts from its own state, so a retry never repeats an effect.
# ``hub``, the declaring hub's code, is for the router alone: it sends the task to that hub's
# queue when the hub has workers of its own (ewtp/common/queues.py).
@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def declaration_process_task(declaration_id: int, hub: str = "") -> str:
    # one declaration: what earlier releases sent per submission (messages may still wait
    # in a queue); submissions now go in batches (declarations_process_task)
    declaration = declaration_process(declaration_id=declaration_id)
    return declaration.status if declaration else "missing"


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def declarations_process_task(declaration_ids: list[int], hub: str = "") -> int:
    return declarations_process(declaration_ids=declaration_ids)


@shared_task
def declarations_stuck_sweep_task() -> tuple[int, int]:
    return declarations_stuck_sweep()


@shared_task
def lvg_threshold_sweep_task() -> int:
    return len(lvg_threshold_sweep())
