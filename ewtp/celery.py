"""The Celery application. Its settings are the CELERY_* names in
ewtp/settings/celery_schedule.py."""

import gc
import os

from celery import Celery
from celery.signals import task_prerun, worker_process_init, worker_ready

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


@worker_ready.connect  # the solo pool, and the parent of a prefork pool
@worker_process_init.connect  # each prefork child
def _startup_objects_frozen(**kwargs):
    """Django, the apps and their modules are loaded by now and live as long as the worker:
    moved out of the garbage collector's view, they are not traversed again by every full
    collection a batch of thousands of model instances sets off."""
    gc.freeze()
