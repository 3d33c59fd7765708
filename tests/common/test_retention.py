"""What the daily retention job forgets, on every database: delivered outbox events with
their deliveries (never an undelivered one), the bodies of finished webhook deliveries
(never the log row, never a pending body); and that the job is on the beat."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from ewtp.celery import app
from ewtp.common.models import OutboxDelivery, OutboxEvent, WebhookDelivery
from ewtp.common.retention import outbox_delivered_forget, webhook_payloads_forget
from ewtp.common.tasks import retention_daily_task
from tests import factories

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


def _event(*, delivered: bool) -> OutboxEvent:
    event = OutboxEvent.objects.create(
        name="tests.done", payload={}, dispatched_at=timezone.now() if delivered else None
    )
    OutboxDelivery.objects.create(event=event, subscriber="tests.first")
    return event


def test_delivered_events_go_with_their_deliveries_and_undelivered_ones_stay():
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        old_done, old_waiting = _event(delivered=True), _event(delivered=False)
    recent = _event(delivered=True)

    assert outbox_delivered_forget(before=timezone.now() - timedelta(days=30)) == 1

    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {old_waiting.pk, recent.pk}
    assert not OutboxDelivery.objects.filter(event_id=old_done.pk).exists()
    # a subscriber that has the undelivered event keeps the proof: it never gets it twice
    assert OutboxDelivery.objects.filter(event=old_waiting).count() == 1


def _delivery(endpoint, status: str) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event="parcel.tracking", payload={"waybill": "X1"}, status=status
    )


def test_old_webhook_bodies_are_emptied_and_the_log_rows_stay():
    client = factories.api_client(kind="channel", name="Shop").client
    endpoint = client.webhook_endpoints.create(url="https://shop.example/hook", secret="s" * 64)
    statuses = (Status.DELIVERED, Status.FAILED, Status.PENDING)
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        done, failed, pending = (_delivery(endpoint, status) for status in statuses)
    recent = _delivery(endpoint, Status.DELIVERED)

    assert webhook_payloads_forget(before=timezone.now() - timedelta(days=30)) == 2

    bodies = dict(WebhookDelivery.objects.values_list("pk", "payload"))
    assert bodies == {
        done.pk: {},
        failed.pk: {},
        pending.pk: {"waybill": "X1"},  # still to be sent
        recent.pk: {"waybill": "X1"},
    }
    assert webhook_payloads_forget(before=timezone.now() - timedelta(days=30)) == 0


def test_the_daily_job_runs_on_the_beat_and_reports_what_it_did():
    entry = settings.CELERY_BEAT_SCHEDULE["retention-daily"]
    assert entry["task"] in app.tasks
    done = retention_daily_task()
    assert set(done) == {
        "partitions_created",
        "partitions_dropped",
        "outbox_events_forgotten",
        "webhook_payloads_emptied",
    }
