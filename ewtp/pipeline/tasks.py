"""Celery entry points of the pipeline: the periodic sweep over the journey."""

from celery import shared_task

from .sweeper import orders_stuck_sweep


@shared_task
def orders_stuck_sweep_task() -> int:
    return orders_stuck_sweep()
