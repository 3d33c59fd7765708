"""The outbox delivers each event to each subscriber exactly once, after commit."""

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from ewtp.common import outbox
from ewtp.common.errors import ApplicationError
from ewtp.common.models import AuditEntry, OutboxDelivery, OutboxEvent
from ewtp.common.tasks import outbox_sweep_task


@outbox.event_type("tests.thing_happened")
@dataclass(frozen=True)
class ThingHappened:
    thing_id: int


@dataclass(frozen=True)
class NotDeclared:
    x: int


class Recorder:
    """A subscriber that counts its calls and can be told to fail."""

    def __init__(self, name):
        self.name, self.calls, self.fail = name, [], False

    def __call__(self, payload):
        if self.fail:
            raise RuntimeError(f"{self.name} is down")
        self.calls.append(payload)


@pytest.fixture
def subscribers():
    first, second = Recorder("tests.first"), Recorder("tests.second")
    outbox.subscribe("tests.thing_happened", name=first.name)(first)
    outbox.subscribe("tests.thing_happened", name=second.name)(second)
    yield first, second
    outbox.unsubscribe("tests.thing_happened", first.name)
    outbox.unsubscribe("tests.thing_happened", second.name)


def record(thing_id=1):
    with transaction.atomic():
        return outbox.event_record(ThingHappened(thing_id=thing_id))


@pytest.mark.django_db
def test_event_is_delivered_to_each_subscriber_after_commit(
    subscribers, django_capture_on_commit_callbacks
):
    first, second = subscribers
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = record(7)
    assert first.calls == [] and second.calls == []  # nothing before commit

    for callback in callbacks:
        callback()  # what commit does: enqueue the dispatch (eager in tests)

    assert first.calls == [ThingHappened(thing_id=7)]
    assert second.calls == [ThingHappened(thing_id=7)]
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert OutboxDelivery.objects.filter(event=event).count() == 2


@pytest.mark.django_db
def test_event_of_a_rolled_back_transaction_never_exists(
    subscribers, django_capture_on_commit_callbacks
):
    def change_that_fails():
        with transaction.atomic():
            outbox.event_record(ThingHappened(thing_id=1))
            raise ZeroDivisionError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ZeroDivisionError):
        change_that_fails()
    assert OutboxEvent.objects.count() == 0
    assert subscribers[0].calls == []


@pytest.mark.django_db
def test_second_dispatch_of_the_same_event_changes_nothing(subscribers):
    first, second = subscribers
    event = record()
    assert outbox.outbox_dispatch(event_id=event.pk) == 2
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)  # as if the mark was lost

    assert outbox.outbox_dispatch(event_id=event.pk) == 0
    assert len(first.calls) == 1 and len(second.calls) == 1


@pytest.mark.django_db
def test_crash_halfway_redelivers_only_to_the_subscriber_that_failed(subscribers):
    first, second = subscribers
    event = record()
    second.fail = True

    with pytest.raises(outbox.OutboxDispatchFailed):
        outbox.outbox_dispatch(event_id=event.pk)
    event.refresh_from_db()
    assert event.dispatched_at is None
    assert event.attempts == 1 and "tests.second is down" in event.last_error
    assert len(first.calls) == 1 and second.calls == []

    second.fail = False
    assert outbox.outbox_dispatch(event_id=event.pk) == 1
    assert len(first.calls) == 1 and len(second.calls) == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None and event.last_error == ""


@pytest.mark.django_db
def test_a_failing_handler_leaves_none_of_its_writes(subscribers):
    def writes_then_fails(payload):
        AuditEntry.objects.create(action="tests.half_done", target_type="x", target_id="1")
        raise RuntimeError("crash after a write")

    outbox.subscribe("tests.thing_happened", name="tests.writer")(writes_then_fails)
    try:
        event = record()
        with pytest.raises(outbox.OutboxDispatchFailed):
            outbox.outbox_dispatch(event_id=event.pk)
    finally:
        outbox.unsubscribe("tests.thing_happened", "tests.writer")
    assert not AuditEntry.objects.filter(action="tests.half_done").exists()
    assert not OutboxDelivery.objects.filter(subscriber="tests.writer").exists()


@pytest.mark.django_db
def test_sweep_redrives_events_that_are_due_once_per_lease(subscribers, settings, monkeypatch):
    lost = record(1)
    fresh = record(2)
    given_up = record(3)
    past = timezone.now() - timedelta(seconds=1)
    OutboxEvent.objects.filter(pk__in=[lost.pk, given_up.pk]).update(next_attempt_at=past)
    OutboxEvent.objects.filter(pk=given_up.pk).update(attempts=settings.OUTBOX_MAX_ATTEMPTS)

    enqueued = []
    monkeypatch.setattr("ewtp.common.tasks.outbox_dispatch_task.delay", enqueued.append)
    assert outbox_sweep_task() == 1
    assert outbox_sweep_task() == 0  # claimed: the next sweep leaves it to the first
    assert enqueued == [[lost.pk]]  # one message per batch of due events
    assert OutboxEvent.objects.get(pk=fresh.pk).dispatched_at is None


@pytest.mark.django_db
def test_failures_back_off_and_are_abandoned_loudly_after_the_limit(subscribers, settings, caplog):
    _, second = subscribers
    second.fail = True
    event = record()
    delays = []
    for _ in range(settings.OUTBOX_MAX_ATTEMPTS):
        OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
        with pytest.raises(outbox.OutboxDispatchFailed):
            outbox.outbox_dispatch(event_id=event.pk)
        event.refresh_from_db()
        delays.append(event.next_attempt_at - timezone.now())
    assert delays[1] > delays[0] * 1.5  # exponential
    assert event.attempts == settings.OUTBOX_MAX_ATTEMPTS
    assert "abandoned" in caplog.text
    assert outbox.outbox_claim_due() == []

    second.fail = False
    assert outbox.outbox_redeliver(event_ids=[event.pk]) == 1
    assert outbox.outbox_claim_due() == [event.pk]


@pytest.mark.django_db
def test_a_payload_that_no_longer_fits_is_recorded_not_looped(subscribers):
    event = record()
    OutboxEvent.objects.filter(pk=event.pk).update(payload={"renamed_field": 1})
    with pytest.raises(outbox.OutboxDispatchFailed):
        outbox.outbox_dispatch(event_id=event.pk)
    event.refresh_from_db()
    assert event.attempts == 1
    assert "payload" in event.last_error
    assert event.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_broker_down_at_commit_does_not_fail_the_change(
    subscribers, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr("ewtp.common.tasks.outbox_dispatch_task.delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        event = record()
    assert OutboxEvent.objects.get(pk=event.pk).dispatched_at is None  # kept for the sweep


@pytest.mark.django_db
def test_only_declared_event_types_can_be_recorded():
    with pytest.raises(ApplicationError, match="not a declared event type"):
        outbox.event_record(NotDeclared(x=1))


def test_payload_must_be_a_frozen_dataclass():
    with pytest.raises(TypeError):

        @outbox.event_type("tests.mutable")
        @dataclass
        class Mutable:
            x: int


def _dispatch_twice_at_once(event_id):
    results, barrier = [], threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            results.append(outbox.outbox_dispatch(event_id=event_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


@pytest.fixture
def slow_subscriber():
    calls = []

    def slow(payload):
        calls.append(payload)
        time.sleep(0.3)  # hold the delivery row while the other dispatcher arrives

    outbox.subscribe("tests.thing_happened", name="tests.slow")(slow)
    yield calls
    outbox.unsubscribe("tests.thing_happened", "tests.slow")


def _undelivered_event(calls):
    event = record()
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
    OutboxDelivery.objects.filter(event=event).delete()
    calls.clear()
    return event


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_deliver_once(slow_subscriber):
    event = _undelivered_event(slow_subscriber)

    assert _dispatch_twice_at_once(event.pk) == [0, 1]
    assert len(slow_subscriber) == 1
    assert OutboxDelivery.objects.filter(event=event, subscriber="tests.slow").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_negative_control_check_then_act_delivers_twice(slow_subscriber, monkeypatch):
    """Without the unique delivery row as the claim, the same race delivers twice: this
    is what the test above would catch."""

    def check_then_act(event, subscriber, payload):
        if OutboxDelivery.objects.filter(event=event, subscriber=subscriber.name).exists():
            return 0
        subscriber.handler(payload)
        OutboxDelivery.objects.get_or_create(event=event, subscriber=subscriber.name)
        return 1

    event = _undelivered_event(slow_subscriber)
    monkeypatch.setattr(outbox, "_deliver", check_then_act)

    _dispatch_twice_at_once(event.pk)
    assert len(slow_subscriber) == 2
