"""A cache of customs reference data (tariff lines, preferential rates, regime parameters,
the positive list, risk rules, the watch list) for a unit of work: assessing and routing a
declaration, or a batch of them, reads each line once instead of once per item and rule.

On PostgreSQL the cache outlives the unit of work: a process keeps what it read for as long
as the reference data's version is unchanged, which costs the unit one primary-key read. The
database sets that version on any change to those tables, however it is made
(customs/migrations/0022_reference_version.py), so an edit in the admin, a tariff load or a
``QuerySet.update`` is seen by the next unit of work, as it would be without the cache. Where
there is no version (SQLite), the cache lives for one unit of work. Outside a
``reference_cache`` block nothing is cached.

What is cached is shared, so it is read, never changed, by its users (a batch already
shares it across its declarations)."""

import threading
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection

_cache: ContextVar[dict | None] = ContextVar("customs_reference_cache", default=None)

# kept across units of work: the version it was read at, and what was read
_kept: dict = {"version": None, "entries": {}}
_kept_lock = threading.Lock()
_MISSING = object()
KEPT_AT_MOST = 20_000  # entries (a tariff line per code and day asked): dropped beyond


@contextmanager
def reference_cache():
    token = _cache.set(_entries()) if _cache.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _cache.reset(token)


def cached(key: tuple, compute: Callable):
    cache = _cache.get()
    if cache is None:
        return compute()
    found = cache.get(key, _MISSING)  # one look-up: another thread may clear between two
    if found is not _MISSING:
        return found
    if len(cache) >= KEPT_AT_MOST:
        cache.clear()
    cache[key] = value = compute()  # returned as computed: another thread may clear
    return value


def _entries() -> dict:
    """The entries this unit of work reads and adds to: those kept, while the version they
    were read at is still the database's; else a fresh start (kept from now on)."""
    version = _version()
    if version is None:
        return {}
    with _kept_lock:
        if _kept["version"] != version:
            _kept["version"], _kept["entries"] = version, {}
        return _kept["entries"]


def _version() -> tuple | None:
    """The database's reference version, with which database it is (a process may use
    more than one)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM customs_reference_version WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return None
    where = connection.settings_dict
    return (where["HOST"], where["PORT"], where["NAME"], row[0])
