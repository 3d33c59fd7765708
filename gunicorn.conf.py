"""gunicorn's settings for the hub's web processes (docker-compose.yml, deploy/kubernetes),
read from the working directory.

With several gunicorn workers, a scrape of /metrics reaches one of them: Django's request and
database series (django-prometheus) must add up every worker's, which prometheus_client does
from the files each worker writes under PROMETHEUS_MULTIPROC_DIR. The folder is emptied when
gunicorn starts (a previous run's files would count again) and a dead worker's gauges are
let go.
"""

import os
import shutil


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
