"""The money rollups, fed from the ledger's append-only entries and conversions by a
watermark: each catch-up counts the rows after the last one it counted, under the
watermark's lock, in the same transaction as the counts, so a row is counted exactly once.

Rows newer than LAG are left for the next catch-up: ids are given out when a row is
inserted, and a transaction still open could commit a lower id after a higher one was read.
A posting's transaction lasts milliseconds; LAG is far longer."""

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from payments.models import Account, LedgerTransaction
from payments.selectors import entries_after, fx_conversions_after

from ..models import FxDay, MoneyDay, RollupWatermark
from .rollups import upsert_rows

LAG = timedelta(seconds=30)
BATCH = 20_000
Kind = LedgerTransaction.Kind


def _measures(tx_kind: str, account_kind: str, amount: int) -> list[tuple[str, int]]:
    """What one entry tells the money dashboard."""
    if account_kind == Account.Kind.ESCROW:
        named = {
            Kind.PAYMENT: "paid_in",
            Kind.RELEASE: "released",
            Kind.REFUND: "refunded",
            Kind.DUTIES: "duties",
        }.get(tx_kind)
        rows = [("escrow_net", amount)]
        if named:
            rows.append((named, abs(amount)))
        return rows
    if account_kind == Account.Kind.CUSTOMER and tx_kind == Kind.PAYOUT and amount < 0:
        return [("payouts", -amount)]
    if account_kind == Account.Kind.CUSTOMER and tx_kind == Kind.REVERSAL and amount > 0:
        return [("payouts_returned", amount)]
    if account_kind == Account.Kind.FEES:
        return [("fees", amount)]
    if account_kind in (Account.Kind.CARRIAGE, Account.Kind.INSURANCE):
        # the hub's income for carrying and insuring, apart from the platform fee
        return [("hub_charges", amount)]
    return []


def money_rollup_catch_up_all(*, batches: int) -> int:
    """Catch up in up to ``batches`` batches (a backlog after downtime is worked off over
    a few runs); returns how many rows were counted."""
    counted = 0
    for _ in range(batches):
        batch = money_rollup_catch_up()
        counted += batch
        if not batch:
            break
    return counted


def _settled(rows: list, *, at: int, cutoff) -> list:
    """The rows in id order up to the first one younger than the cutoff: the watermark only
    ever passes rows that are certainly committed, and never one it has not counted."""
    for index, row in enumerate(rows):
        if row[at] > cutoff:
            return rows[:index]
    return rows


def money_rollup_catch_up(*, now=None) -> int:
    """Count the ledger entries and conversions written since the last catch-up; returns how
    many rows were counted."""
    cutoff = (now or timezone.now()) - LAG
    return _entries(cutoff) + _conversions(cutoff)


def _catch_up(name: str, read, count, cutoff) -> int:
    """Count with ``count`` the rows ``read`` gives after the watermark ``name`` (each row's
    id first, its time second), under the watermark's lock, and move the watermark past
    them; returns how many rows were counted."""
    with transaction.atomic():
        mark, _ = RollupWatermark.objects.select_for_update().get_or_create(name=name)
        rows = _settled(read(last_id=mark.last_id, limit=BATCH), at=1, cutoff=cutoff)
        if not rows:
            return 0
        count(rows)
        mark.last_id = rows[-1][0]
        mark.save(update_fields=["last_id"])
    return len(rows)


def _entries(cutoff) -> int:
    return _catch_up("ledger", entries_after, _entries_count, cutoff)


def _entries_count(rows: list) -> None:
    totals: dict = defaultdict(int)
    for (
        _pk, at, amount, currency, tx_kind, account_kind,
        order_hub, destination, order_sector, account_hub, organization_hub, sector,
    ) in rows:  # fmt: skip
        where = (
            order_hub or account_hub or organization_hub or "",
            destination or "",
            order_sector or sector or "",
        )
        for measure, value in _measures(tx_kind, account_kind, amount):
            totals[(at.date(), measure, currency, *where)] += value
    upsert_rows(MoneyDay, [(key, {"amount_minor": v}, {}) for key, v in totals.items() if v])


def _conversions(cutoff) -> int:
    return _catch_up("fx", fx_conversions_after, _conversions_count, cutoff)


def _conversions_count(rows: list) -> None:
    totals: dict = defaultdict(lambda: [0, 0, 0])
    for _pk, at, source, target, sold, bought in rows:
        total = totals[(at.date(), source, target)]
        total[0] += 1
        total[1] += sold
        total[2] += bought
    upsert_rows(
        FxDay,
        [
            (key, {"conversions": n, "from_minor": sold, "to_minor": bought}, {})
            for key, (n, sold, bought) in totals.items()
        ],
    )
