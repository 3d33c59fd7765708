"""What one transaction hands to the workers goes once after the commit, one call per kind;
nothing goes from a transaction rolled back."""

import pytest
from django.db import transaction

from ewtp.common.after_commit import on_commit_batched

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_kind_is_sent_once_with_all_its_ids_interleaved_or_not():
    sent = []
    with transaction.atomic():
        on_commit_batched("outbox", [1, 2], lambda ids: sent.append(("outbox", ids)))
        on_commit_batched("clearance", [10], lambda ids: sent.append(("clearance", ids)))
        on_commit_batched("outbox", [3], lambda ids: sent.append(("outbox", ids)))
        on_commit_batched("clearance", [11, 12], lambda ids: sent.append(("clearance", ids)))
        assert sent == []  # nothing before the commit
    assert sent == [("outbox", [1, 2, 3]), ("clearance", [10, 11, 12])]


def test_a_new_transaction_starts_a_new_batch():
    sent = []
    for ids in ([1], [2]):
        with transaction.atomic():
            on_commit_batched("outbox", ids, sent.append)
    assert sent == [[1], [2]]


def test_a_rolled_back_transaction_sends_nothing():
    sent = []
    with pytest.raises(RuntimeError):
        _hand_over_then_fail("outbox", [1], sent.append)
    with transaction.atomic():
        on_commit_batched("outbox", [2], sent.append)
    assert sent == [[2]]


def test_after_a_savepoint_rolls_back_a_new_batch_starts():
    sent = []
    with transaction.atomic():
        on_commit_batched("clearance", [1], sent.append)
        with pytest.raises(RuntimeError):
            _hand_over_then_fail("clearance", [2], sent.append)
        on_commit_batched("clearance", [3], sent.append)
    # the savepoint's callback went with it, so [3] starts a batch of its own; the first
    # batch still carries 2 (documented: a receiver skips what it does not find)
    assert sent == [[1, 2], [3]]


def _hand_over_then_fail(kind, ids, send):
    with transaction.atomic():
        on_commit_batched(kind, ids, send)
        raise RuntimeError("rolled back")


def test_outside_a_transaction_it_is_sent_at_once():
    sent = []
    on_commit_batched("outbox", [7], sent.append)
    assert sent == [[7]]
