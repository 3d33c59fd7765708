"""A subscriber states the events it acts on (subscribe(when=...)): the others are never
delivered to it, and the subscribers still take their shares in the order they were
registered."""

import pytest

from ewtp.common import outbox
from ewtp.common.models import OutboxDelivery, OutboxEvent
from tests.common.test_outbox_batches import (  # noqa: F401 - subscribers is a fixture
    ItemCleared,
    Recorder,
    ids,
    record_many,
    subscribers,
)


@pytest.fixture
def narrowed():
    """Two subscribers for the even items only, one by one and batched."""
    one_by_one, batched = Recorder("tests.even"), Recorder("tests.even_batch", many=True)
    even = lambda payload: payload.item_id % 2 == 0  # noqa: E731
    handlers = (
        outbox.subscribe("tests.item_cleared", name=one_by_one.name, when=even)(one_by_one),
        outbox.subscribe("tests.item_cleared", name=batched.name, many=True, when=even)(batched),
    )
    yield one_by_one, batched, handlers
    outbox.unsubscribe("tests.item_cleared", one_by_one.name)
    outbox.unsubscribe("tests.item_cleared", batched.name)


@pytest.mark.django_db
def test_a_subscriber_gets_only_the_events_it_wants_and_no_row_for_the_rest(narrowed):
    one_by_one, batched, _ = narrowed
    events = record_many(range(5))

    assert outbox.outbox_dispatch_many(event_ids=ids(events)) == 6
    assert one_by_one.calls == [[0], [2], [4]]
    assert batched.calls == [[0, 2, 4]]
    delivered = OutboxDelivery.objects.filter(event__in=events)
    assert sorted(delivered.values_list("event__payload__item_id", flat=True)) == [0, 0, 2, 2, 4, 4]
    assert not OutboxEvent.objects.filter(pk__in=ids(events), dispatched_at__isnull=True)

    odd = record_many([7])  # the single-event dispatcher judges the same way
    assert outbox.outbox_dispatch(event_id=odd[0].pk) == 0
    assert OutboxEvent.objects.get(pk=odd[0].pk).dispatched_at is not None


@pytest.mark.django_db
def test_a_narrowed_handler_called_directly_applies_its_predicate(narrowed):
    one_by_one, batched, (call_one, call_many) = narrowed
    call_one(ItemCleared(item_id=3))
    call_many([ItemCleared(item_id=3)])
    call_one(ItemCleared(item_id=4))
    call_many([ItemCleared(item_id=5), ItemCleared(item_id=6)])
    assert one_by_one.calls == [[4]]
    assert batched.calls == [[6]]


@pytest.mark.django_db
def test_subscribers_take_their_shares_in_the_order_they_were_registered():
    calls = []
    outbox.subscribe("tests.item_cleared", name="tests.first", when=lambda p: p.item_id > 1)(
        lambda payload: calls.append(("first", payload.item_id))
    )
    outbox.subscribe("tests.item_cleared", name="tests.second", many=True)(
        lambda payloads: calls.append(("second", [p.item_id for p in payloads]))
    )
    try:
        events = record_many([1, 2])  # the first event is not for the first subscriber
        outbox.outbox_dispatch_many(event_ids=ids(events))
    finally:
        outbox.unsubscribe("tests.item_cleared", "tests.first")
        outbox.unsubscribe("tests.item_cleared", "tests.second")
    assert calls == [("first", 2), ("second", [1, 2])]


@pytest.mark.django_db
def test_a_predicate_that_trips_fails_its_event_alone(subscribers):  # noqa: F811
    def tripping(payload):
        if payload.item_id == 1:
            raise KeyError("item_id")
        return True

    picky = Recorder("tests.picky")
    outbox.subscribe("tests.item_cleared", name=picky.name, when=tripping)(picky)
    try:
        events = record_many(range(3))
        with pytest.raises(outbox.OutboxDispatchFailed, match=r"tests\.picky"):
            outbox.outbox_dispatch_many(event_ids=ids(events))
    finally:
        outbox.unsubscribe("tests.item_cleared", picky.name)
    assert picky.effects() == [0, 2]
    assert subscribers[0].effects() == [0, 1, 2]  # the others had theirs
    assert OutboxEvent.objects.get(pk=events[1].pk).dispatched_at is None
