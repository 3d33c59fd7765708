"""A duplicated task message changes nothing: an order's whole journey runs on a real worker
while every task message sent is recorded; then each one is delivered to the worker again
(and every beat task run once more), and no money, status, declaration, parcel event,
payout, e-mail or webhook is added."""

import os

import pytest
from celery.signals import before_task_publish
from django.core import mail
from django.db.models import Count, Sum

from analytics.models import ExportDay, StageMonth, TradeFact
from customs.models import Declaration, DeclarationTransition
from ewtp.celery import app
from ewtp.common.models import AuditEntry, OutboxEvent, OutgoingEmail, WebhookDelivery
from ewtp.common.outbox import event_record
from ewtp.common.webhook_endpoints import webhook_endpoint_create
from hubs.models import Order, OrderTransition
from logistics.models import Parcel, TrackingEvent
from payments.models import Entry, LedgerTransaction, Payout, Settlement
from payments.services.escrow import escrow_release
from payments.services.payouts import payout_status_report, payouts_batch
from tests.journey import pipeline_idle, until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI has it)"),
    pytest.mark.django_db(transaction=True),
]

BEAT_TASKS = [entry["task"] for entry in app.conf.beat_schedule.values()]


def state() -> dict:
    """What an effect would change."""
    return {
        "ledger transactions": LedgerTransaction.objects.count(),
        "entries": Entry.objects.count(),
        "order transitions": OrderTransition.objects.count(),
        "statuses": dict(Order.objects.values_list("reference", "status")),
        "declarations": Declaration.objects.count(),
        "declaration steps": DeclarationTransition.objects.count(),
        "parcels": dict(Parcel.objects.values_list("waybill", "status")),
        "tracking events": TrackingEvent.objects.count(),
        "payouts": dict(Payout.objects.values_list("end_to_end_id", "status")),
        "settlements": Settlement.objects.count(),
        "events": OutboxEvent.objects.exclude(name__startswith="tests.").count(),
        "e-mails stored": OutgoingEmail.objects.count(),
        "e-mails sent": len(mail.outbox),
        "webhooks": dict(
            WebhookDelivery.objects.values_list("event")
            .annotate(n=Count("id"))
            .values_list("event", "n")
        ),
        "audit": AuditEntry.objects.exclude(action__startswith="tests.").count(),
        "trade facts": list(TradeFact.objects.values_list("order_id", "line_no", "status")),
        "rollups": (
            ExportDay.objects.aggregate(n=Sum("quantity"))["n"],
            StageMonth.objects.aggregate(n=Sum("count"))["n"],
        ),
    }


@pytest.fixture
def sent_messages():
    """Every task message published while the test runs: (task name, args, kwargs)."""
    messages = []

    def record(sender=None, body=None, **kwargs):
        args, task_kwargs, _embed = body
        messages.append((sender, list(args), dict(task_kwargs)))

    before_task_publish.connect(record, weak=False)
    yield messages
    before_task_publish.disconnect(record)


def test_every_task_message_delivered_twice_changes_nothing(
    worker_journey, sent_messages, isolated_queue
):
    journey = worker_journey
    world = journey.world
    webhook_endpoint_create(
        api_client=world.channel,
        url="http://127.0.0.1:9/hooks",  # nothing listens: deliveries fail and stay pending
        events=["order.milestone", "escrow.released"],
    )
    order = journey.pay(journey.consumer_order(quantity=2, incoterm="DDP"))
    parcel = journey.ship(order)
    journey.deliver(parcel)
    journey.run(escrow_release, order=Order.objects.get(pk=order.pk), actor_label="b", reason="ok")
    payouts_batch(bank=world.bank)
    payout = Payout.objects.get()
    journey.run(
        payout_status_report, bank=world.bank, end_to_end_id=payout.end_to_end_id, status="settled"
    )
    assert Order.objects.get(pk=order.pk).status == "settled"
    names = {name for name, _args, _kwargs in sent_messages}
    assert {
        "ewtp.common.tasks.outbox_dispatch_task",
        "customs.tasks.declarations_process_task",
        "ewtp.common.tasks.email_send_task",
        "ewtp.common.tasks.webhook_deliver_task",
    } <= names
    before = state()

    duplicates = list(sent_messages)
    for name, args, kwargs in duplicates:
        app.send_task(name, args=args, kwargs=kwargs, queue=isolated_queue)
    for name in BEAT_TASKS:
        app.send_task(name, queue=isolated_queue)
    # the worker takes its queue in order: once a marker sent last is handled, all are
    marker = _marker()
    until(
        lambda: (
            AuditEntry.objects.filter(action="tests.duplicates_done", target_id=marker).exists()
            and pipeline_idle()
        ),
        "every duplicate handled",
        seconds=120,
    )
    assert len(duplicates) > 20
    assert state() == before


def _marker() -> str:
    import uuid
    from dataclasses import dataclass

    from django.db import transaction

    from ewtp.common import outbox

    name = "tests.duplicates_marked"
    if name not in outbox._event_types:

        @outbox.event_type(name)
        @dataclass(frozen=True)
        class DuplicatesMarked:
            marker: str

        def handler(payload):
            AuditEntry.objects.create(
                action="tests.duplicates_done", target_type="tests", target_id=payload.marker
            )

        outbox.subscribe(name, name="tests.duplicates_marker")(handler)
    marker = uuid.uuid4().hex
    with transaction.atomic():
        event_record(outbox._event_types[name](marker=marker))
    return marker
