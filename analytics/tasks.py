"""Celery entry points of analytics."""

from celery import shared_task

from .services.money import money_rollup_catch_up_all

BATCHES_PER_RUN = 20  # a backlog (after downtime) is worked off over a few runs


@shared_task
def money_rollup_task() -> int:
    """Count what the ledger wrote since the last run (beat, every minute)."""
    return money_rollup_catch_up_all(batches=BATCHES_PER_RUN)
