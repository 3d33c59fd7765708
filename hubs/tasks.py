"""Celery entry points of the hubs app: ids in, one service call."""

from celery import shared_task

from .services.imports import product_import_run
from .services.orders import orders_expire


# A 10,000-row import takes well over the default minute; it reports its own progress.
@shared_task(soft_time_limit=1800, time_limit=1900)
def product_import_task(import_id: int) -> int:
    return product_import_run(import_id=import_id).processed_rows


@shared_task
def orders_expire_task() -> int:
    return orders_expire()
