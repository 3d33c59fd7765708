"""Queues by hub on real workers: two `celery -A ewtp worker` processes started as a
deployment starts them, without -Q, one for KUL's own queues and one for the shared ones, on
Redis and the test database (PostgreSQL: the workers are other processes)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from customs.tasks import declaration_process_task
from ewtp.celery import app

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL"),
    pytest.mark.django_db,
]

ROOT = Path(django_settings.BASE_DIR)
NO_SUCH_DECLARATION = 10**9  # the task reads it, finds nothing, and succeeds ("missing")


def worker_started(name: str, prefix: str, log: Path, **environment: str) -> subprocess.Popen:
    database = connection.settings_dict
    env = os.environ | environment
    env |= {
        "DJANGO_SETTINGS_MODULE": "ewtp.settings.test",
        "CELERY_QUEUE": prefix,
        "DATABASE_URL": f"postgres://{database['USER'] or 'postgres'}@"
        f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}",
    }
    with log.open("w") as output:
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "ewtp", "worker", "--pool=solo"),
                *(f"--hostname={name}@%h", "--loglevel=INFO"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def until_logged(log: Path, text: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"{log.name}: never logged {text!r}"
        time.sleep(0.2)


def banner_queues(log: Path) -> list[str]:
    """The queues a worker printed in its banner (`.> <name> exchange=…`)."""
    return sorted(
        line.split()[1] for line in log.read_text().splitlines() if line.strip().startswith(".>")
    )


@pytest.fixture
def routed_to_kul(isolated_queue, settings):
    settings.CELERY_HUBS_ROUTED = ["KUL"]
    yield isolated_queue
    with app.connection_for_write() as broker:  # the queues' bindings, left by the workers
        client = broker.default_channel.client
        for key in client.scan_iter(f"_kombu.binding*.{isolated_queue}*"):
            client.delete(key)


def test_a_hubs_clearance_is_taken_by_the_hubs_own_worker_only(routed_to_kul, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the workers are other processes: they share PostgreSQL, not SQLite")
    prefix = routed_to_kul
    kul_log, shared_log = tmp_path / "kul.log", tmp_path / "shared.log"
    routing = {"CELERY_HUBS_ROUTED": "KUL", "CELERY_KINDS": "clearance, journey"}
    workers = [
        worker_started("kul", prefix, kul_log, CELERY_HUBS="KUL", **routing),
        worker_started("shared", prefix, shared_log, CELERY_HUBS="shared", **routing),
    ]
    try:
        until_logged(kul_log, " ready.")
        until_logged(shared_log, " ready.")
        at_kul = declaration_process_task.delay(NO_SUCH_DECLARATION, hub="KUL").id
        at_hgh = declaration_process_task.delay(NO_SUCH_DECLARATION + 1, hub="HGH").id
        of_no_hub = declaration_process_task.delay(NO_SUCH_DECLARATION + 2).id
        until_logged(kul_log, f"[{at_kul}] succeeded")
        until_logged(shared_log, f"[{at_hgh}] succeeded")
        until_logged(shared_log, f"[{of_no_hub}] succeeded")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)

    kinds = ("clearance", "journey")  # CELERY_KINDS
    assert banner_queues(kul_log) == sorted(f"{prefix}.{kind}.KUL" for kind in kinds)
    assert banner_queues(shared_log) == sorted([prefix, *(f"{prefix}.{kind}" for kind in kinds)])
    assert at_kul not in shared_log.read_text()
    assert at_hgh not in kul_log.read_text() and of_no_hub not in kul_log.read_text()
