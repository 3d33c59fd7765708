"""Rollups kept up to date by difference: what a fact adds to each rollup row, and one upsert
per row that moves it by what changed (``INSERT … ON CONFLICT … DO UPDATE SET m = m + d``,
on PostgreSQL and SQLite alike). Concurrent rebuilds of different orders add to the same row
safely: the upsert is one atomic statement."""

from collections import defaultdict
from datetime import date

from django.db import connection

from ..models import ExportDay, ExportMonth, ProductMonth, SellerMonth, StageMonth, TradeFact
from ..stages import CHAPTER_STAGES, FILING_STAGES, STAGES, bucket_of, filing_of

Contribution = tuple[type, tuple, dict]  # (rollup model, its key values, measures)


def _month(day: date) -> date:
    return day.replace(day=1)


def contributions(fact: TradeFact) -> list[Contribution]:
    """What one fact adds to the rollups."""
    first = fact.line_no == 1  # an order counts once, on its first line
    exported = {
        "orders": int(first),
        "lines": 1,
        "quantity": fact.quantity,
        "weight_g": int(fact.weight_kg * 1000),
        "value_myr_minor": fact.value_myr_minor,
        "value_usd_minor": fact.value_usd_minor,
    }
    dimensions = (
        fact.origin_hub,
        fact.destination_country,
        fact.hs_chapter,
        fact.seller_sector,
        fact.seller_size,
        fact.kind,
    )
    rows: list[Contribution] = [
        (ExportDay, (fact.shipped_on, *dimensions), exported),
        (ExportMonth, (_month(fact.shipped_on), *dimensions), exported),
        (
            ProductMonth,
            (
                _month(fact.shipped_on),
                fact.origin_hub,
                fact.destination_country,
                fact.seller_sector,
                fact.product_id,
            ),
            {
                "quantity": fact.quantity,
                "value_myr_minor": fact.value_myr_minor,
                "title": fact.title,
                "hs_code": fact.hs_code,
            },
        ),
        (
            SellerMonth,
            (
                _month(fact.shipped_on),
                fact.seller_id,
                fact.origin_hub,
                fact.destination_country,
                fact.seller_sector,
                fact.seller_size,
            ),
            {"orders": int(first), "value_myr_minor": fact.value_myr_minor},
        ),
    ]
    if first:  # a consignment's stages are timed once, however many lines it has
        rows += _stage_rows(fact)
    return rows


def _stage_rows(fact: TradeFact) -> list[Contribution]:
    rows = []
    for stage in STAGES:
        start, end = getattr(fact, stage.start), getattr(fact, stage.end)
        if start is None or end is None:
            continue
        # work done before the goods arrive (a declaration lodged and released in advance,
        # as the TRS encourages) counts as no wait
        minutes = max(int((end - start).total_seconds() // 60), 0)
        lane = getattr(fact, stage.lane) if stage.lane else ""
        breakdowns = [("lane", lane or "-")]
        if stage.name in CHAPTER_STAGES:
            breakdowns.append(("chapter", fact.hs_chapter))
        if stage.name in FILING_STAGES:
            breakdowns.append(("filing", filing_of(fact.import_lodged_at, fact.arrived_at)))
        for breakdown, value in breakdowns:
            key = (
                _month(end.date()),
                stage.name,
                fact.origin_hub,
                fact.destination_country,
                fact.seller_sector,
                breakdown,
                value,
                bucket_of(minutes),
            )
            rows.append((StageMonth, key, {"count": 1, "minutes": minutes}))
    return rows


def rollups_move(*, removed: list[TradeFact], added: list[TradeFact]) -> int:
    """Move every rollup by what replacing ``removed`` with ``added`` changes; returns how
    many rollup rows were written."""
    deltas: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    labels: dict[tuple, dict] = {}
    for sign, facts in ((-1, removed), (1, added)):
        for fact in facts:
            for model, key, measures in contributions(fact):
                row = deltas[(model, key)]
                for name, amount in measures.items():
                    if isinstance(amount, str):  # a label: kept as the newest fact has it
                        labels.setdefault((model, key), {})[name] = amount
                    else:
                        row[name] += sign * amount
    written = 0
    by_model: dict[type, list] = defaultdict(list)
    # in one order (model, then key): two rebuilds touching the same rows never deadlock
    for (model, key), measures in sorted(
        deltas.items(), key=lambda item: (item[0][0].__name__, item[0][1])
    ):
        if any(measures.values()):
            by_model[model].append((key, dict(measures), labels.get((model, key), {})))
    for model, rows in by_model.items():
        written += upsert_rows(model, rows)
    return written


def upsert_rows(model, rows: list[tuple[tuple, dict, dict]]) -> int:
    """Add each row's measures to the rollup row of its key (created at zero)."""
    table = connection.ops.quote_name(model._meta.db_table)
    quote = connection.ops.quote_name
    written = 0
    grouped: dict[tuple, list] = defaultdict(list)
    for key, measures, labels in rows:
        grouped[(tuple(sorted(measures)), tuple(sorted(labels)))].append((key, measures, labels))
    with connection.cursor() as cursor:
        for (measure_names, label_names), batch in grouped.items():
            columns = [*model.KEY, *measure_names, *label_names]
            updates = [
                f"{quote(m)} = {table}.{quote(m)} + excluded.{quote(m)}" for m in measure_names
            ]
            updates += [f"{quote(name)} = excluded.{quote(name)}" for name in label_names]
            # identifiers are the models' own column names, quoted; every value is a parameter
            sql = (
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * len(columns))}) "
                f"ON CONFLICT ({', '.join(quote(k) for k in model.KEY)}) "
                f"DO UPDATE SET {', '.join(updates)}"
            )
            cursor.executemany(
                sql,
                [
                    [*key, *(measures[m] for m in measure_names), *(labels[n] for n in label_names)]
                    for key, measures, labels in batch
                ],
            )
            written += len(batch)
    return written
