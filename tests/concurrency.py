"""Calls started together on separate connections, for the tests of what holds when
transactions race; those tests run on PostgreSQL."""

import threading

import pytest
from django.db import connection

from ewtp.common.errors import ApplicationError

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)


def at_once(*calls) -> list:
    """Each call in its own thread and connection, started together; what each returned or
    the refusal it raised."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except ApplicationError as refused:
            results[index] = refused
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
