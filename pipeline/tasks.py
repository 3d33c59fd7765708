"""Celery entry points of the pipeline: the periodic sweep over the journey."""

from celery import shared_task

from .credit_record import credit_scores_nightly
from .sweeper import orders_stuck_sweep


@shared_task
def orders_stuck_sweep_task() -> int:
    return orders_stuck_sweep()


@shared_task(soft_time_limit=1800, time_limit=1900)
def credit_scores_nightly_task() -> int:
    return credit_scores_nightly()
