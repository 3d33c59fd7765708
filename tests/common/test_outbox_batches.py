"""The outbox records and delivers events in batches: one INSERT and one message per
transaction, one transaction per subscriber and batch, and still exactly once per (event,
subscriber) under duplicate and concurrent dispatch."""

import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ewtp.common import outbox
from ewtp.common.errors import ApplicationError
from ewtp.common.models import AuditEntry, OutboxDelivery, OutboxEvent
from ewtp.common.tasks import outbox_dispatch_task, outbox_sweep_task


@outbox.event_type("tests.item_cleared")
@dataclass(frozen=True)
class ItemCleared:
    item_id: int


@dataclass(frozen=True)
class NotDeclared:
    x: int


class Recorder:
    """A subscriber that writes one row per item (its effect, rolled back with its
    transaction), remembers each call, and fails on the items it is told to."""

    def __init__(self, name, many=False):
        self.name, self.many, self.calls, self.failing = name, many, [], set()

    def __call__(self, payload):
        items = payload if self.many else [payload]
        self.calls.append([item.item_id for item in items])
        for item in items:
            AuditEntry.objects.create(action=self.name, target_type="item", target_id=item.item_id)
            if item.item_id in self.failing:
                raise RuntimeError(f"{self.name} refuses item {item.item_id}")

    def effects(self):
        """The items handled in transactions that committed, in order."""
        return [
            int(target_id)
            for target_id in AuditEntry.objects.filter(action=self.name)
            .order_by("pk")
            .values_list("target_id", flat=True)
        ]


@pytest.fixture
def subscribers():
    one_by_one, batched = Recorder("tests.one_by_one"), Recorder("tests.batched", many=True)
    outbox.subscribe("tests.item_cleared", name=one_by_one.name)(one_by_one)
    outbox.subscribe("tests.item_cleared", name=batched.name, many=True)(batched)
    yield one_by_one, batched
    outbox.unsubscribe("tests.item_cleared", one_by_one.name)
    outbox.unsubscribe("tests.item_cleared", batched.name)


@pytest.fixture
def sent(monkeypatch):
    """The dispatch messages sent, each the list (or old single id) it carries."""
    messages = []
    monkeypatch.setattr("ewtp.common.tasks.outbox_dispatch_task.delay", messages.append)
    return messages


def record_many(ids):
    with transaction.atomic():
        return outbox.event_record_many([ItemCleared(item_id=i) for i in ids])


# recording


@pytest.mark.django_db
def test_record_many_is_one_insert_and_one_message_after_commit(
    sent, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
        transaction.atomic(),
    ):
        events = outbox.event_record_many([ItemCleared(item_id=i) for i in range(300)])
        assert sent == []  # nothing leaves before commit
    inserts = [q for q in queries if q["sql"].startswith("INSERT")]
    # SQLite caps the parameters of one statement: Django splits the rows there
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 3)
    assert len(events) == 300 and all(event.pk for event in events)
    assert sent == [[event.pk for event in events]]
    assert OutboxEvent.objects.filter(name="tests.item_cleared").count() == 300


@pytest.mark.django_db
def test_events_recorded_one_by_one_in_a_transaction_share_one_message(
    sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = outbox.event_record(ItemCleared(item_id=1))
        more = outbox.event_record_many([ItemCleared(item_id=2), ItemCleared(item_id=3)])
        last = outbox.event_record(ItemCleared(item_id=4))
    assert sent == [[first.pk, *(event.pk for event in more), last.pk]]


@pytest.mark.django_db
def test_each_transaction_sends_its_own_message(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = record_many([1, 2])
    with django_capture_on_commit_callbacks(execute=True):
        second = record_many([3])
    assert sent == [[e.pk for e in first], [e.pk for e in second]]


@pytest.mark.django_db
def test_a_rolled_back_savepoint_does_not_lose_the_message(
    sent, django_capture_on_commit_callbacks
):
    """The batch's callback was registered in the savepoint that rolled back: the events
    recorded after it still go out."""

    def recorded_then_rolled_back():
        with transaction.atomic():
            outbox.event_record(ItemCleared(item_id=1))
            raise ZeroDivisionError

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(ZeroDivisionError):
            recorded_then_rolled_back()
        kept = outbox.event_record(ItemCleared(item_id=2))
    assert sent == [[kept.pk]]


@pytest.mark.django_db
def test_a_rolled_back_transaction_sends_nothing(sent, django_capture_on_commit_callbacks):
    def recorded_then_rolled_back():
        with transaction.atomic():
            outbox.event_record_many([ItemCleared(item_id=1)])
            raise ZeroDivisionError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ZeroDivisionError):
        recorded_then_rolled_back()
    assert sent == [] and not OutboxEvent.objects.filter(name="tests.item_cleared").exists()


@pytest.mark.django_db
def test_one_undeclared_payload_refuses_the_whole_list(sent):
    with pytest.raises(ApplicationError, match="not a declared event type"):
        outbox.event_record_many([ItemCleared(item_id=1), NotDeclared(x=1)])
    assert not OutboxEvent.objects.filter(name="tests.item_cleared").exists()
    assert outbox.event_record_many([]) == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_message_goes_at_once(sent):
    events = outbox.event_record_many([ItemCleared(item_id=1), ItemCleared(item_id=2)])
    assert sent == [[e.pk for e in events]]


# dispatching


def ids(events):
    return [event.pk for event in events]


@pytest.mark.django_db
def test_a_batch_is_delivered_to_each_subscriber_and_marked(subscribers):
    one_by_one, batched = subscribers
    events = record_many(range(5))

    assert outbox.outbox_dispatch_many(event_ids=ids(events)) == 10
    assert one_by_one.calls == [[0], [1], [2], [3], [4]]
    assert batched.calls == [[0, 1, 2, 3, 4]]  # one call for the batch
    assert one_by_one.effects() == batched.effects() == [0, 1, 2, 3, 4]
    assert not OutboxEvent.objects.filter(pk__in=ids(events), dispatched_at__isnull=True)
    assert OutboxDelivery.objects.filter(event__in=events).count() == 10


@pytest.mark.django_db
def test_duplicate_messages_deliver_nothing_twice(subscribers):
    one_by_one, batched = subscribers
    events = record_many(range(4))
    outbox_dispatch_task(ids(events))
    OutboxEvent.objects.filter(pk__in=ids(events)).update(dispatched_at=None)  # mark lost

    assert outbox.outbox_dispatch_many(event_ids=ids(events)) == 0
    assert outbox_dispatch_task(ids(events)) == 0
    assert outbox_dispatch_task(events[0].pk) == 0  # a message of the single-id kind
    assert one_by_one.effects() == batched.effects() == [0, 1, 2, 3]
    assert batched.calls == [[0, 1, 2, 3]]


@pytest.mark.django_db
def test_overlapping_batches_deliver_only_what_is_new(subscribers):
    one_by_one, batched = subscribers
    events = record_many(range(4))
    outbox.outbox_dispatch_many(event_ids=ids(events[:2]))
    OutboxEvent.objects.filter(pk__in=ids(events)).update(dispatched_at=None)

    assert outbox.outbox_dispatch_many(event_ids=ids(events)) == 4
    assert one_by_one.effects() == [0, 1, 2, 3]
    assert batched.calls == [[0, 1], [2, 3]]


@pytest.mark.django_db
def test_a_failing_event_costs_the_rest_of_its_batch_nothing(subscribers):
    one_by_one, batched = subscribers
    events = record_many(range(5))
    one_by_one.failing = {2}

    with pytest.raises(outbox.OutboxDispatchFailed, match="refuses item 2"):
        outbox.outbox_dispatch_many(event_ids=ids(events))
    # the batch ran up to item 2 and rolled back, then went one event at a time
    assert one_by_one.calls == [[0], [1], [2], [0], [1], [2], [3], [4]]
    assert one_by_one.effects() == [0, 1, 3, 4]
    assert batched.effects() == [0, 1, 2, 3, 4]  # the other subscriber is not held up
    failed = OutboxEvent.objects.get(pk=events[2].pk)
    assert failed.dispatched_at is None and failed.attempts == 1
    assert "refuses item 2" in failed.last_error
    assert failed.next_attempt_at > timezone.now()  # backoff, for the sweep
    assert not OutboxEvent.objects.filter(
        pk__in=ids(events[:2] + events[3:]), dispatched_at__isnull=True
    ).exists()

    one_by_one.failing = set()  # the retry delivers only what is missing
    assert outbox.outbox_dispatch_many(event_ids=ids(events)) == 1
    assert one_by_one.effects() == [0, 1, 3, 4, 2] and batched.effects() == [0, 1, 2, 3, 4]
    assert OutboxEvent.objects.get(pk=events[2].pk).dispatched_at is not None


@pytest.mark.django_db
def test_a_failing_batch_handler_is_retried_one_event_at_a_time(subscribers):
    one_by_one, batched = subscribers
    events = record_many(range(3))
    batched.failing = {1}

    with pytest.raises(outbox.OutboxDispatchFailed):
        outbox.outbox_dispatch_many(event_ids=ids(events))
    assert batched.calls == [[0, 1, 2], [0], [1], [2]]
    assert batched.effects() == [0, 2]
    assert one_by_one.effects() == [0, 1, 2]
    assert list(
        OutboxEvent.objects.filter(pk__in=ids(events), dispatched_at__isnull=True).values_list(
            "pk", flat=True
        )
    ) == [events[1].pk]


@pytest.mark.django_db
def test_a_payload_that_no_longer_fits_fails_alone(subscribers):
    one_by_one, _ = subscribers
    events = record_many(range(3))
    OutboxEvent.objects.filter(pk=events[1].pk).update(payload={"renamed": 1})

    with pytest.raises(outbox.OutboxDispatchFailed, match="payload"):
        outbox.outbox_dispatch_many(event_ids=ids(events))
    assert one_by_one.effects() == [0, 2]
    assert OutboxEvent.objects.get(pk=events[1].pk).attempts == 1


@pytest.mark.django_db
def test_unknown_and_dispatched_ids_are_skipped(subscribers):
    events = record_many([1])
    assert outbox.outbox_dispatch_many(event_ids=[events[0].pk, 10**9]) == 2
    assert outbox.outbox_dispatch_many(event_ids=[events[0].pk]) == 0
    assert outbox.outbox_dispatch_many(event_ids=[]) == 0


@pytest.fixture
def quiet_subscribers():
    """Subscribers that write nothing: what is left is the dispatcher's own queries."""
    names = ["tests.quiet", "tests.quiet_batch"]
    outbox.subscribe("tests.item_cleared", name=names[0])(lambda payload: None)
    outbox.subscribe("tests.item_cleared", name=names[1], many=True)(lambda payloads: None)
    yield
    for name in names:
        outbox.unsubscribe("tests.item_cleared", name)


def _dispatch_queries(size):
    events = record_many(range(size))
    with CaptureQueriesContext(connection) as queries:
        assert outbox.outbox_dispatch_many(event_ids=ids(events)) == 2 * size
    return len(queries)


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_whatever_its_size(quiet_subscribers):
    small, large = _dispatch_queries(3), _dispatch_queries(60)
    assert small == large
    assert small <= 8  # claim 1, per subscriber 3 (savepoint, insert, release), mark 1


@pytest.mark.django_db
def test_a_long_message_is_split_into_batches(subscribers, monkeypatch):
    one_by_one, batched = subscribers
    monkeypatch.setattr("ewtp.common.tasks.OUTBOX_DISPATCH_BATCH", 2)
    events = record_many(range(5))

    outbox_dispatch_task(ids(events))  # eager: the rest is dispatched as its own messages
    assert sorted(one_by_one.effects()) == [0, 1, 2, 3, 4]
    assert sorted(batched.calls) == [[0, 1], [2, 3], [4]]


@pytest.mark.django_db
def test_sweep_sends_due_events_in_batches(sent, monkeypatch):
    monkeypatch.setattr("ewtp.common.tasks.OUTBOX_DISPATCH_BATCH", 2)
    events = record_many(range(5))
    OutboxEvent.objects.filter(pk__in=ids(events)).update(next_attempt_at=timezone.now())
    sent.clear()

    assert outbox_sweep_task() == 5
    assert sent == [ids(events[0:2]), ids(events[2:4]), ids(events[4:])]


# concurrency (PostgreSQL)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL"
)


@pytest.fixture
def slow_subscriber():
    calls = []

    def slow(payload):
        calls.append(payload.item_id)
        time.sleep(0.05)  # hold the batch's delivery rows while the other dispatcher arrives

    outbox.subscribe("tests.item_cleared", name="tests.slow")(slow)
    yield calls
    outbox.unsubscribe("tests.item_cleared", "tests.slow")


def _dispatch_at_once(*batches):
    results, barrier = [], threading.Barrier(len(batches))

    def run(event_ids):
        barrier.wait()
        try:
            results.append(outbox.outbox_dispatch_many(event_ids=event_ids))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_of_overlapping_batches_deliver_once(slow_subscriber):
    events = ids(record_many(range(8)))
    slow_subscriber.clear()  # transaction=True: the record's own dispatch ran eagerly
    OutboxEvent.objects.filter(pk__in=events).update(dispatched_at=None)
    OutboxDelivery.objects.filter(event_id__in=events).delete()

    results = _dispatch_at_once(events, events[2:], events[::-1])
    assert sum(results) == 8
    assert sorted(slow_subscriber) == list(range(8))
    assert OutboxDelivery.objects.filter(event_id__in=events).count() == 8


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_negative_control_check_then_insert_delivers_twice(slow_subscriber, monkeypatch):
    """Without the insert as the claim, the same race delivers twice: what the test above
    would catch."""

    def check_then_insert(subscriber_name, event_ids):
        done = set(
            OutboxDelivery.objects.filter(
                event_id__in=event_ids, subscriber=subscriber_name
            ).values_list("event_id", flat=True)
        )
        fresh = [pk for pk in event_ids if pk not in done]
        time.sleep(0.2)  # the other dispatcher checks meanwhile
        created = dict(OutboxEvent.objects.filter(pk__in=fresh).values_list("pk", "created_at"))
        OutboxDelivery.objects.bulk_create(
            [
                OutboxDelivery(
                    event_id=pk, subscriber=subscriber_name, event_created_at=created[pk]
                )
                for pk in fresh
            ],
            ignore_conflicts=True,
        )
        return set(fresh)

    events = ids(record_many(range(4)))
    slow_subscriber.clear()
    OutboxEvent.objects.filter(pk__in=events).update(dispatched_at=None)
    OutboxDelivery.objects.filter(event_id__in=events).delete()
    monkeypatch.setattr(outbox, "_deliveries_insert", check_then_insert)

    _dispatch_at_once(events, events)
    assert len(slow_subscriber) > 4


@pytest.mark.django_db
def test_a_task_out_of_time_stops_and_leaves_the_rest_due(subscribers):
    from celery.exceptions import SoftTimeLimitExceeded

    events = record_many(range(3))

    def out_of_time(payload):
        raise SoftTimeLimitExceeded

    outbox.subscribe("tests.item_cleared", name="tests.slowest")(out_of_time)
    try:
        with pytest.raises(SoftTimeLimitExceeded):
            outbox.outbox_dispatch_many(event_ids=ids(events))
    finally:
        outbox.unsubscribe("tests.item_cleared", "tests.slowest")
    pending = OutboxEvent.objects.filter(pk__in=ids(events), dispatched_at__isnull=True)
    assert pending.count() == 3 and {e.attempts for e in pending} == {0}
    assert all(e.next_attempt_at > timezone.now() for e in pending)  # leased, then swept


@pytest.mark.django_db
def test_a_capture_of_on_commit_callbacks_sends_what_was_recorded_inside_it(
    sent, django_capture_on_commit_callbacks
):
    """Tests run in one transaction and capture the callbacks of a block: an event recorded
    before the block (and never committed) does not ride along with the block's message."""
    record_many([1])
    with django_capture_on_commit_callbacks(execute=True):
        inside = record_many([2, 3])
    assert sent == [ids(inside)]
