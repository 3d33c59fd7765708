"""Celery entry points of the logistics app."""

from celery import shared_task

from ewtp.common.audit import SYSTEM_BEAT

from .services.consolidation import consolidations_build
from .services.flights import flights_advance


@shared_task
def consolidate_task() -> int:
    return consolidations_build(actor_label=SYSTEM_BEAT)


@shared_task
def flights_advance_task() -> tuple[int, int]:
    return flights_advance(actor_label=SYSTEM_BEAT)
