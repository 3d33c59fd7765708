"""Celery entry points of the payments app."""

from celery import shared_task

from ewtp.common.audit import SYSTEM_BEAT

from .services.escrow import escrow_release_due
from .services.fx import fx_rates_load
from .services.loans import instalments_overdue_sweep
from .services.payouts import payouts_batch_all


@shared_task
def escrow_release_due_task() -> int:
    return escrow_release_due()


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def fx_rates_refresh_task() -> int:
    return fx_rates_load()


@shared_task
def payouts_batch_task() -> int:
    return payouts_batch_all(actor_label=SYSTEM_BEAT)


@shared_task
def instalments_overdue_task() -> int:
    return instalments_overdue_sweep(actor_label=SYSTEM_BEAT)
