"""The Celery application. Its settings are the CELERY_* names in
ewtp/settings/celery_schedule.py, and its queues those of ewtp/settings/celery_routes.py."""

import gc
import os

from celery import Celery
from celery.signals import (
    before_task_publish,
    celeryd_init,
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_ready,
)

from ewtp.common.queues import worker_queues_configured
from ewtp.common.task_metrics import task_finished, task_published, task_started

# Workers are production unless told otherwise (the demo and tests set their settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings.production")

app = Celery("ewtp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def _queues_selected(instance=None, conf=None, options=None, **kwargs):
    """``celery -A ewtp worker`` without ``-Q`` takes the queues its environment names
    (CELERY_KINDS, CELERY_HUBS: ewtp/common/queues.py), all of them by default; Celery
    alone would take the bare prefix only, where no task is sent any more. An explicit
    ``-Q`` is taken as it is."""
    if (options or {}).get("queues"):
        return
    instance.app.amqp.queues.select(worker_queues_configured(conf.task_default_queue))


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


@before_task_publish.connect
def _task_stamped(headers=None, **kwargs):
    """Each message carries when it was sent and the request that sent it: the worker
    measures the queue wait from it and logs under that request's id."""
    task_published(headers)


@task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs):
    task_started(task_id, task)


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    """The task's queue wait and run time added to the histograms /metrics reads (one
    round trip to Redis), and its id taken off the log lines."""
    task_finished(task_id, task, state)
