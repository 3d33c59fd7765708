"""A short-lived cache of customs reference data (tariff lines, preferential rates, regime
parameters, the positive list, risk rules, the watch list) for one unit of work: assessing and
routing a declaration, or a batch of them, reads each line once instead of once per item and
rule. Outside a ``reference_cache``
block nothing is cached, so an edit in the admin is seen by the next unit of work."""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

_cache: ContextVar[dict | None] = ContextVar("customs_reference_cache", default=None)


@contextmanager
def reference_cache():
    token = _cache.set({}) if _cache.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _cache.reset(token)


def cached(key: tuple, compute: Callable):
    cache = _cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]
