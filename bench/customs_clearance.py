"""10,000 CN cross-border retail declarations pushed through submit → assess → risk →
release by one real Celery worker on Redis, against PostgreSQL.

The declarations (one to three items each, every buyer different, the order, payment and
waybill records agreeing, an exporter with a clearance history) are written before the clock
starts. Timed: submitting them in batches of 100, as a platform pushes them through the API's
batch submit, while the worker assesses, routes and releases them (100 to a task, the tariff
and risk rules read once per batch), until none is left in an automatic state. Printed:
declarations per second next to 1,417/s, the peak of China's national cross-border
e-commerce clearance system (85,000 a minute on 18 June 2024), as a ratio; and the same
worker's rate for a task that does one query, the floor the queue sets, measured in this run.
The clock stops when every event the decisions raised has been delivered to its subscribers.
"""

import argparse
import cProfile
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

from harness import queries, run_benchmark

ROOT = Path(__file__).resolve().parent.parent
NATIONAL_PEAK_PER_SECOND = 85_000 / 60  # 1,416.7
SUBMIT_BATCH = 100
# declarations processed in-process first, to count queries (BENCH_SHOW_QUERIES lists them,
# BENCH_PROFILE=file writes their cProfile; BENCH_WORKER_PROFILE=file, the worker's)
PROBE = int(os.environ.get("BENCH_PROBE", 100))
GOODS = [
    ("621410", "Batik silk scarf", "0.150", "90.00"),
    ("420221", "Leather handbag", "0.600", "420.00"),
    ("090210", "Green tea, 100 g tin", "0.100", "28.00"),
]


def run(count: int):
    from django.db import connection
    from django.utils import timezone

    from customs.models import Declaration, DeclarationItem, DeclarationTransition
    from customs.services.clearance import declarations_process
    from customs.services.filing import declarations_submit
    from customs.services.matching import records_as_json
    from customs.services.tariff import tariff_load_bundled
    from ewtp.celery import app
    from ewtp.common.models import OutboxEvent
    from tests import factories

    hgh = factories.hub("HGH")
    tariff_load_bundled()
    exporter = "Batik Nusantara Sdn. Bhd."
    history = [_declaration(hgh, exporter, n, status="released") for n in range(5)]
    drafts = [_declaration(hgh, exporter, n) for n in range(5, 5 + count + PROBE)]
    Declaration.objects.bulk_create(history + drafts, batch_size=2000)
    items, now = [], timezone.now()
    for n, declaration in enumerate(history + drafts):
        lines = [GOODS[(n + k) % 3] for k in range(1 + n % 3)]
        items += [
            DeclarationItem(
                declaration=declaration,
                line_no=k + 1,
                hs_code=hs,
                description=text,
                origin="MY",
                quantity=1,
                net_weight_kg=Decimal(kg),
                value=Decimal(value),
            )
            for k, (hs, text, kg, value) in enumerate(lines)
        ]
        declaration.match_records = _records(records_as_json, declaration, lines)
        declaration.status_changed_at = now
    DeclarationItem.objects.bulk_create(items, batch_size=5000)
    Declaration.objects.bulk_update(
        history + drafts, ["match_records", "status_changed_at"], batch_size=2000
    )
    DeclarationTransition.objects.bulk_create(
        [
            DeclarationTransition(declaration=d, to_status="draft", actor_label="bench")
            for d in drafts
        ]
    )
    with connection.cursor() as cursor:  # statistics, as autovacuum keeps them in production
        cursor.execute("ANALYZE")
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    probe, drafts = drafts[:PROBE], drafts[PROBE:]
    Declaration.objects.filter(pk__in=[d.pk for d in probe]).update(status="submitted")
    profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    with queries() as probe_queries:  # one batch, in this process (its events go to the queue)
        if profiler:
            profiler.enable()
        probe_started = time.perf_counter()
        declarations_process(declaration_ids=[d.pk for d in probe])
        probe_seconds = time.perf_counter() - probe_started
        if profiler:
            profiler.disable()
            profiler.dump_stats(os.environ["BENCH_PROFILE"])  # read with python -m pstats
    worker = _start_worker(connection.settings_dict, queue)
    try:
        empty_rate = _empty_task_rate(app, 2000)
        started = time.perf_counter()
        for start in range(0, len(drafts), SUBMIT_BATCH):  # as a platform pushes them
            declarations_submit(
                declarations=drafts[start : start + SUBMIT_BATCH], actor_label="bench"
            )
        submitted_in = time.perf_counter() - started
        pending = Declaration.objects.filter(
            pk__in=[d.pk for d in drafts], status__in=["submitted", "assessed"]
        )
        while pending.exists():
            time.sleep(0.25)
        through_risk = time.perf_counter() - started
        undelivered = OutboxEvent.objects.filter(dispatched_at__isnull=True)
        while undelivered.exists():  # the decisions told to analytics, payments, logistics
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    outcome = Counter(
        Declaration.objects.filter(pk__in=[d.pk for d in drafts]).values_list("status", "lane")
    )
    rate = len(drafts) / elapsed
    print(f"{len(drafts)} declarations, one worker (solo pool), PostgreSQL + Redis")
    print(
        f"submitted in {submitted_in:.1f} s; all through risk in {through_risk:.1f} s; "
        f"their events delivered in {elapsed:.1f} s (the rate below counts to here)"
    )
    print(f"outcome: {', '.join(f'{s}/{lane}: {n}' for (s, lane), n in sorted(outcome.items()))}")
    per_declaration = len(probe_queries) / PROBE
    print(f"queries per declaration in a batch (assess + risk + release): {per_declaration:.1f}")
    in_statements = sum(float(query["time"]) for query in probe_queries.captured_queries)
    print(
        f"the {PROBE} in this process: {probe_seconds / PROBE * 1000:.2f} ms a declaration, "
        f"{in_statements / PROBE * 1000:.2f} ms of it in statements"
    )
    if os.environ.get("BENCH_SHOW_QUERIES"):  # the probe's statements, longest first
        shapes, spent = Counter(), Counter()
        for query in probe_queries.captured_queries:
            shapes[query["sql"][:120]] += 1
            spent[query["sql"][:120]] += float(query["time"])
        for shape, seconds in spent.most_common():
            print(f"  {shapes[shape]:5d} {seconds * 1000:8.1f} ms {shape}")
    print(f"empty task through the same worker: {empty_rate:8.1f} tasks/s (the queue's floor)")
    print(f"declarations per second:            {rate:8.1f}")
    print(f"national peak (85,000 a minute):    {NATIONAL_PEAK_PER_SECOND:8.1f}")
    print(
        f"ratio to the national peak: {rate / NATIONAL_PEAK_PER_SECOND:.3f}x; "
        f"to the empty-task floor: {rate / empty_rate:.3f}x"
    )


def _declaration(hub, exporter, n, status="draft"):
    from datetime import date

    from customs.models import Declaration

    return Declaration(
        reference=f"DHGHB{n:09d}",
        regime="CN_CBEC_IMPORT",
        hub=hub,
        exporter=exporter,
        importer=f"Buyer {n}",
        importer_id_reference=f"3301{n:014d}",
        declarant="eWTP Hub HGH",
        currency="CNY",
        customs_currency="CNY",
        exchange_rate=Decimal(1),
        exchange_rate_source="identity",
        declared_on=date.today(),
        status=status,
        waybill=f"KUL{n:09d}",
    )


def _records(records_as_json, declaration, lines):
    from customs.services.matching import OrderRecord, PaymentRecord, WaybillRecord

    goods = tuple((hs, 1) for hs, *_ in lines)
    amount = sum((Decimal(value) for *_, value in lines), Decimal(0))
    buyer = declaration.importer_id_reference
    return records_as_json(
        OrderRecord("O", buyer, amount, "CNY", goods),
        PaymentRecord("P", buyer, amount, "CNY"),
        WaybillRecord(declaration.waybill, buyer, goods),
    )


def _start_worker(database: dict, queue: str):
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "ewtp.settings.local",
        "DJANGO_DEBUG": "0",
        # the prefix of the bench's own queues; the worker takes them all (no -Q)
        "CELERY_QUEUE": queue,
        "DATABASE_URL": f"postgres://{database['USER'] or 'postgres'}@"
        f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}",
    }
    # BENCH_WORKER_PROFILE=file: the worker's own cProfile, written when it is stopped
    profiled = os.environ.get("BENCH_WORKER_PROFILE")
    return subprocess.Popen(
        [
            sys.executable,
            *(["-m", "cProfile", "-o", profiled] if profiled else []),
            "-m",
            "celery",
            "-A",
            "ewtp",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the banner; warnings and errors still reach stderr
    )


def _empty_task_rate(app, n: int) -> float:
    """Tasks per second for a task that does one small query, through the same broker and
    worker (the first one waits for the worker to be up)."""
    from ewtp.common.tasks import idempotency_keys_expire_task

    idempotency_keys_expire_task.delay()
    _wait_for_queue(app)
    started = time.perf_counter()
    for _ in range(n):
        idempotency_keys_expire_task.delay()
    _wait_for_queue(app)
    return n / (time.perf_counter() - started)


def _wait_for_queue(app):
    """Until every queue of the bench's prefix (each kind's: ewtp.common.queues) is empty."""
    from ewtp.common.queues import worker_queues

    queues = worker_queues(app.conf.task_default_queue)
    with app.connection_for_write() as connection:
        client = connection.default_channel.client
        while any(client.llen(queue) for queue in queues):
            time.sleep(0.05)


if __name__ == "__main__":
    if not os.environ.get("REDIS_URL"):
        print("skipped: a real worker needs Redis; set REDIS_URL=redis://host:6379/N")
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=10_000)
    arguments = parser.parse_args()
    run_benchmark(lambda: run(arguments.declarations))
