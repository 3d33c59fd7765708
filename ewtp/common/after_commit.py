"""Work a transaction hands to the workers, sent as one message after it commits.

A transaction that records many events, or submits many declarations (a flight's departure
declares each order on board), would otherwise send one Celery message per row, and each
message then pays a worker's fixed cost per unit of work. ``on_commit_batched`` collects
the ids of one kind that a transaction hands over and, after the commit, calls its
``send`` once with all of them.

Each call registers an on-commit callback of its own (a part), so that the ids of a
savepoint that rolls back lose theirs with it, as Django drops them. The first part to run
sends its ids and those of every later part: after a commit the parts run in the order they
were registered, so that is the whole live batch, and the later parts find their ids sent.
(A test that runs only the callbacks registered inside a block sends what was handed over
there.)
"""

import weakref
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

Send = Callable[[list[int]], None]


class _Batch:
    def __init__(self, send: Send):
        self.send_ids = send
        self.parts: list[list[int]] = []
        self.sent_from: int | None = None  # the part whose run sent it and the ones after it

    def add(self, ids: list[int]) -> "_Part":
        self.parts.append(list(ids))
        return _Part(self, len(self.parts) - 1)

    def send(self, part: int) -> None:
        if self.sent_from is not None and part >= self.sent_from:
            return  # went with the message of an earlier part
        parts = self.parts[part:] if self.sent_from is None else [self.parts[part]]
        if self.sent_from is None:
            self.sent_from = part
        self.send_ids([pk for ids in parts for pk in ids])


@dataclass(frozen=True)
class _Part:
    batch: _Batch
    index: int

    def __call__(self):
        self.batch.send(self.index)


# the open batch of each kind, per connection (a connection serves one thread)
_open: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def on_commit_batched(kind: str, ids: list[int], send: Send) -> None:
    """Add ``ids`` to the transaction's batch of ``kind``, which ``send`` gets after commit
    (one ``send`` per kind: the batch keeps the one its first call gave).

    A batch stays open while its latest part is registered with the connection and none has
    run: after a commit or a rollback (or if that part's savepoint rolled back) the next
    call starts a new one. Ids handed over in a savepoint that rolled back may still go out
    with the batch: ``send``'s receiver must skip what it does not find (every one does:
    it reads its rows by id and state). Outside a transaction ``send`` is called at once.
    """
    connection = transaction.get_connection()
    batches = _open.setdefault(connection, {})
    batch = batches.get(kind)
    if batch is None or batch.sent_from is not None or not _registered(connection, batch):
        batch = batches[kind] = _Batch(send)
    transaction.on_commit(batch.add(ids))


def _registered(connection, batch: _Batch) -> bool:
    """Whether the batch's latest part is still among the connection's on-commit callbacks
    (looked for from the end, where it usually is)."""
    latest = _Part(batch, len(batch.parts) - 1)
    return any(func == latest for _, func, _ in reversed(connection.run_on_commit))
