"""The Celery application. Its settings are the CELERY_* names in ewtp/settings/base.py."""

import os

from celery import Celery
from celery.signals import task_prerun

# Workers are production unless told otherwise (the demo and tests set their settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings.production")

app = Celery("ewtp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _connections_checked(task=None, **kwargs):
    """A worker keeps its database connection between tasks (CELERY_DB_REUSE_MAX), so it
    does here what Django does at the start of each request: a connection found broken, or
    older than CONN_MAX_AGE, is closed and the task opens a fresh one. A task run eagerly
    (in the caller's process and transaction) leaves the caller's connection alone."""
    from django.db import close_old_connections

    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()
