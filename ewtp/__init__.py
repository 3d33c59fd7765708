"""eWTP Hub: the project package (settings, URLs, Celery app, shared kernel, pipeline)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
