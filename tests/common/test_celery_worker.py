"""The outbox end to end through a real Celery worker and broker (Redis when REDIS_URL is set)."""

import os
import time
import uuid
from dataclasses import dataclass

import pytest
from django.db import transaction

from ewtp.celery import app
from ewtp.common import outbox
from ewtp.common.models import AuditEntry, OutboxDelivery
from tests.conftest import celery_worker


@outbox.event_type("tests.worker_pinged")
@dataclass(frozen=True)
class WorkerPinged:
    marker: str


def test_celery_is_configured_to_redeliver_a_killed_workers_task():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert conf.task_soft_time_limit < conf.task_time_limit
    if conf.broker_url.startswith("redis"):
        assert conf.broker_transport_options["visibility_timeout"] >= 3600


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI runs it on Redis)")
@pytest.mark.django_db(transaction=True)
def test_event_is_delivered_by_a_real_worker_after_commit(isolated_queue):
    marker = uuid.uuid4().hex

    def handler(payload):
        AuditEntry.objects.create(
            action="tests.worker_handled", target_type="tests", target_id=payload.marker
        )

    outbox.subscribe("tests.worker_pinged", name="tests.worker_handler")(handler)
    try:
        with celery_worker(isolated_queue):
            with transaction.atomic():
                event = outbox.event_record(WorkerPinged(marker=marker))
            deadline = time.monotonic() + 30
            while (
                time.monotonic() < deadline
                and not OutboxDelivery.objects.filter(event=event).exists()
            ):
                time.sleep(0.2)
    finally:
        outbox.unsubscribe("tests.worker_pinged", "tests.worker_handler")

    assert (
        OutboxDelivery.objects.filter(event=event, subscriber="tests.worker_handler").count() == 1
    )
    assert AuditEntry.objects.filter(action="tests.worker_handled", target_id=marker).count() == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None
