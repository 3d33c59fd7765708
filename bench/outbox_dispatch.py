"""Cost of the outbox: record and deliver events one at a time, against in batches.

Five subscribers per event, as the journey's busiest events have: four that write one row
each, and one batch handler (``many=True``) that writes its rows with one INSERT. Measured
in the same run, on the same events:

- recording N events in one transaction: ``event_record`` per event, then
  ``event_record_many`` (one INSERT); the messages each sends after commit;
- delivery one event at a time (``outbox_dispatch``, as each message did before batches),
  then in batches (``outbox_dispatch_many`` over OUTBOX_DISPATCH_BATCH events, as a message
  of the batched kind is split by the task).

Printed: per-event times, events/s, queries per event, and the ratio batched / one at a time.
The dispatch runs in this process (no broker): the per-message cost of the worker is the
same per message and comes on top, once per event before, once per batch now.
"""

import statistics
import time
from dataclasses import dataclass

from harness import queries, run_benchmark

N = 300
REPEAT = 3
QUERIES_N = 100  # the query log keeps 9,000 queries: count on fewer events


def _setup():
    """Declare the event and its five subscribers; return the event type and the list the
    dispatch messages go to (counted, never sent)."""
    from ewtp.celery import app
    from ewtp.common import outbox, tasks
    from ewtp.common.models import AuditEntry

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"

    @outbox.event_type("bench.thing_happened")
    @dataclass(frozen=True)
    class ThingHappened:
        thing_id: int

    def work(step):
        def one(payload):
            AuditEntry.objects.create(
                action=f"bench.{step}", target_type="bench", target_id=str(payload.thing_id)
            )

        return one

    def work_many(payloads):
        AuditEntry.objects.bulk_create(
            AuditEntry(action="bench.many", target_type="bench", target_id=str(p.thing_id))
            for p in payloads
        )

    for step in ("filed", "counted", "noted", "billed"):
        outbox.subscribe("bench.thing_happened", name=f"bench.{step}")(work(step))
    outbox.subscribe("bench.thing_happened", name="bench.many", many=True)(work_many)
    sent = []
    tasks.outbox_dispatch_task.delay = lambda *args: sent.append(args)
    return ThingHappened, sent


def _record_one_by_one(payloads):
    from django.db import transaction

    from ewtp.common import outbox

    with transaction.atomic():
        return [outbox.event_record(p).pk for p in payloads]


def _record_many(payloads):
    from django.db import transaction

    from ewtp.common import outbox

    with transaction.atomic():
        return [event.pk for event in outbox.event_record_many(payloads)]


def _one_at_a_time(event_ids):
    from ewtp.common import outbox

    for event_id in event_ids:
        outbox.outbox_dispatch(event_id=event_id)


def _batched(event_ids):
    from ewtp.common import outbox

    size = outbox.OUTBOX_DISPATCH_BATCH
    for start in range(0, len(event_ids), size):
        outbox.outbox_dispatch_many(event_ids=event_ids[start : start + size])


def _measure(record, dispatch=None):
    """Median seconds of ``dispatch`` (or of ``record`` without one) over fresh events."""
    from ewtp.common.models import OutboxEvent

    samples = []
    for _ in range(REPEAT):
        OutboxEvent.objects.all().delete()
        started = time.perf_counter()
        event_ids = record()
        if dispatch:
            started = time.perf_counter()
            dispatch(event_ids)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _queries_per_event(record, dispatch):
    event_ids = record()
    with queries() as q:
        dispatch(event_ids)
    return len(q) / len(event_ids)


def run():
    from ewtp.common import outbox

    ThingHappened, sent = _setup()
    payloads = [ThingHappened(thing_id=i) for i in range(N)]
    few = payloads[:QUERIES_N]

    rec_one = _measure(lambda: _record_one_by_one(payloads))
    rec_many = _measure(lambda: _record_many(payloads))
    sent.clear()
    _record_one_by_one(payloads)
    _record_many(payloads)
    messages = len(sent)  # two transactions
    disp_one = _measure(lambda: _record_many(payloads), _one_at_a_time)
    disp_many = _measure(lambda: _record_many(payloads), _batched)
    queries_one = _queries_per_event(lambda: _record_many(few), _one_at_a_time)
    queries_many = _queries_per_event(lambda: _record_many(few), _batched)

    per = lambda seconds: seconds / N * 1000  # noqa: E731
    rate = lambda seconds: N / seconds  # noqa: E731
    batch = outbox.OUTBOX_DISPATCH_BATCH
    print(f"outbox_dispatch  N={N} events, 5 subscribers (4 one by one, 1 batch), PostgreSQL")
    print(f"  record    event_record x N, one transaction   {per(rec_one):7.3f} ms/event")
    print(
        f"  record    event_record_many, one transaction  {per(rec_many):7.3f} ms/event"
        f"  ratio {rec_one / rec_many:5.2f}x"
    )
    print(f"  messages  after the two transactions' commits: {messages} (one per transaction)")
    print(
        f"  dispatch  one at a time (outbox_dispatch)     {per(disp_one):7.3f} ms/event"
        f"  {rate(disp_one):6.0f} events/s  queries/event {queries_one:5.1f}"
    )
    print(
        f"  dispatch  in batches of {batch} (outbox_dispatch_many)"
        f" {per(disp_many):7.3f} ms/event  {rate(disp_many):6.0f} events/s"
        f"  queries/event {queries_many:5.1f}"
    )
    print(f"  ratio     batched / one at a time: {disp_one / disp_many:5.2f}x events/s")


if __name__ == "__main__":
    run_benchmark(run)
