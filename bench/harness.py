"""Shared set-up for benchmarks: Django on a throw-away PostgreSQL database.

Benchmarks print figures and a ratio against a baseline measured in the same run, because
absolute times on shared machines are noise. They are not tests and assert nothing.
"""

import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings.test")


def setup():
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Benchmarks run against PostgreSQL: set DATABASE_URL=postgres://user@host:5432/db")
    import django

    django.setup()
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment()
    return setup_databases(verbosity=0, interactive=False)


def teardown(state):
    from django.test.utils import teardown_databases, teardown_test_environment

    teardown_databases(state, verbosity=0)
    teardown_test_environment()


def run_benchmark(run) -> None:
    """Set up the throw-away database, run the benchmark, always tear it down."""
    state = setup()
    try:
        run()
    finally:
        teardown(state)


def timed(fn, *, repeat: int = 5) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs, in seconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


@contextmanager
def queries():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # the log keeps the last 9,000 queries and the capture counts by position in it: once
    # full, a later capture would count none
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as context:
        yield context
