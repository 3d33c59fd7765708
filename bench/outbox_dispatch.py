"""Cost of the outbox: record + deliver an event, against writing the same row directly.

Baseline: the subscriber's own work (one row insert in its own transaction). Measured:
(a) recording an event in a transaction, (b) dispatching it to one subscriber that does the
baseline work. Prints per-event time, queries per event, and the ratio to the baseline.
"""

from dataclasses import dataclass

from harness import queries, run_benchmark, timed

N = 500


def run():
    from django.db import transaction

    from ewtp.celery import app
    from ewtp.common import outbox
    from ewtp.common.models import AuditEntry, OutboxEvent

    app.conf.task_always_eager = False  # measure recording alone; dispatch is timed below
    app.conf.broker_url = "memory://"

    @outbox.event_type("bench.thing_happened")
    @dataclass(frozen=True)
    class ThingHappened:
        thing_id: int

    def work(payload):
        AuditEntry.objects.create(
            action="bench.work", target_type="bench", target_id=str(payload.thing_id)
        )

    outbox.subscribe("bench.thing_happened", name="bench.work")(work)

    def baseline():
        for i in range(N):
            with transaction.atomic():
                work(ThingHappened(thing_id=i))

    def record():
        for i in range(N):
            with transaction.atomic():
                outbox.event_record(ThingHappened(thing_id=i))

    def dispatch():
        for event_id in OutboxEvent.objects.filter(dispatched_at__isnull=True).values_list(
            "pk", flat=True
        ):
            outbox.outbox_dispatch(event_id=event_id)

    base = timed(baseline, repeat=3)
    rec = timed(record, repeat=3)
    disp = timed(lambda: (record(), dispatch()), repeat=3) - rec
    with queries() as q, transaction.atomic():
        event = outbox.event_record(ThingHappened(thing_id=-1))
    record_queries = len(q)
    with queries() as q:
        outbox.outbox_dispatch(event_id=event.pk)
    dispatch_queries = len(q)

    per = lambda seconds: seconds / N * 1000  # noqa: E731
    print(f"outbox_dispatch  N={N} events, one subscriber, PostgreSQL")
    print(f"  baseline  direct insert in own transaction   {per(base):7.3f} ms/event")
    print(
        f"  record    event_record in own transaction    {per(rec):7.3f} ms/event  ratio {rec / base:5.2f}  queries {record_queries}"
    )
    print(
        f"  dispatch  deliver to one subscriber (incl.)  {per(disp):7.3f} ms/event  ratio {disp / base:5.2f}  queries {dispatch_queries}"
    )


if __name__ == "__main__":
    run_benchmark(run)
