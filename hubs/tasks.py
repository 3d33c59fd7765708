"""Celery entry points of the hubs app: ids in, one service call."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services.catalogue import product_image_thumbnail_make
from .services.imports import product_import_run
from .services.orders import orders_expire


# A 10,000-row import takes well over the default minute; it reports its own progress.
@shared_task(soft_time_limit=1800, time_limit=1900)
def product_import_task(import_id: int) -> int:
    return product_import_run(import_id=import_id).processed_rows


@shared_task
def orders_expire_task() -> int:
    return orders_expire()


# A picture that cannot be made into a thumbnail is not a failure (the pages show the
# original): only a dropped database connection is retried, a few times.
@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=60,
    max_retries=3,
)
def product_image_thumbnail_task(image_id: int) -> bool:
    image = product_image_thumbnail_make(image_id=image_id)
    return bool(image and image.thumbnail)
