"""Append-only tables partitioned by month on PostgreSQL: the swap a migration makes, the
months created ahead, and the expired months dropped.

A table is RANGE-partitioned on one time column (a date, or a timestamp read in UTC), one
partition per calendar month named ``<table>_pYYYYMM``, and ``<table>_default`` for a row no
month exists for yet (a clock moved back by the demo, a daily job that did not run): an
insert never fails for want of a partition, and ``partitions_ensure`` moves such rows into
their month when it creates it. The primary key becomes (id, key) and every unique
constraint includes the key, since PostgreSQL enforces uniqueness partition by partition;
Django keeps ``id`` as the model's pk, which inserts and lookups by id are fine with. A
query that bounds the key reads only the months it names (partition pruning).

Which tables, by which column, and which may lose whole months is the wiring's
(``PARTITIONED_TABLES``, ewtp/settings/retention.py). On SQLite tables stay plain and every
function here does nothing.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .months import month_after, month_of, months_from

logger = logging.getLogger(__name__)

# A DDL statement of the daily job waits this long for a lock, then fails (and the job runs
# again tomorrow, months ahead) rather than queue every insert of the table behind it.
LOCK_TIMEOUT = "5s"


class PartitioningRefused(Exception):
    """The table cannot be partitioned as it is (a constraint or a reference in the way)."""


@dataclass(frozen=True)
class MonthlyTable:
    table: str
    key: str  # the partition key's column
    keep: timedelta | None  # whole months older than this are dropped; None: kept
    # whether the rows of [start, end) may go, asked before a month is dropped
    drop_if: Callable[[datetime, datetime], bool] | None = None


def partitioned_tables() -> list[MonthlyTable]:
    """The tables ``PARTITIONED_TABLES`` names, with their tables' and columns' names."""
    tables = []
    for label, spec in settings.PARTITIONED_TABLES.items():
        model = apps.get_model(label)
        keep_days = spec.get("keep_days")
        tables.append(
            MonthlyTable(
                table=model._meta.db_table,
                key=model._meta.get_field(spec["key"]).column,
                keep=None if keep_days is None else timedelta(days=keep_days),
                drop_if=import_string(spec["drop_if"]) if spec.get("drop_if") else None,
            )
        )
    return tables


# Months ------------------------------------------------------------------------------------


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def _default_name(table: str) -> str:
    return f"{table}_default"


def _start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


# Catalog reads -----------------------------------------------------------------------------


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _key_is_date(cursor, table: str, key: str) -> bool:
    cursor.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attname = %s",
        [table, key],
    )
    return cursor.fetchone()[0] == "date"


def _bound(month: date, is_date: bool) -> str:
    # generated from a date, never from input: a literal is safe, and DDL takes no parameters
    return f"'{month.isoformat()}'" if is_date else f"'{month.isoformat()} 00:00:00+00'"


def _month_expression(key: str, is_date: bool) -> str:
    column = _quote(key) if is_date else f"({_quote(key)} AT TIME ZONE 'UTC')"
    return f"date_trunc('month', {column})::date"


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def partition_months(table: str) -> dict[date, str]:
    """The month partitions of ``table`` (month → partition name); the default one aside."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    prefix = f"{table}_p"
    months = {}
    for name in names:
        suffix = name.removeprefix(prefix)
        if name.startswith(prefix) and len(suffix) == 6 and suffix.isdigit():
            months[date(int(suffix[:4]), int(suffix[4:]), 1)] = name
    return months


# New months --------------------------------------------------------------------------------


def partitions_ensure(*, months_ahead: int | None = None, now: datetime | None = None) -> list[str]:
    """Create every registered table's missing months, from this one to ``months_ahead``
    months on (PARTITIONS_MONTHS_AHEAD), and the months of rows waiting in its default
    partition; returns the names of the partitions created. Run daily: a month exists long
    before its first row."""
    if connection.vendor != "postgresql":
        return []
    ahead = settings.PARTITIONS_MONTHS_AHEAD if months_ahead is None else months_ahead
    wanted = months_from(month_of(now or timezone.now()), ahead)
    created = []
    failed = []
    for table in partitioned_tables():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                is_date = _key_is_date(cursor, table.table, table.key)
                existing = partition_months(table.table)
                waiting = _default_months(cursor, table.table, table.key, is_date)
                for month in sorted(set(wanted) | waiting):
                    if month not in existing:
                        _month_attach(cursor, table.table, table.key, month, is_date)
                        created.append(partition_name(table.table, month))
        except DatabaseError:
            # one table's failure (a lock not granted in time) leaves the others their months
            logger.exception("partitions: the months of %s were not made", table.table)
            failed.append(table.table)
    if failed:
        raise PartitionsIncomplete(f"months not made for {', '.join(failed)}")
    return created


class PartitionsIncomplete(RuntimeError):
    """Some table's months were not made this run (logged); the next run tries again."""


def _default_months(cursor, table: str, key: str, is_date: bool) -> set[date]:
    cursor.execute(
        f"SELECT DISTINCT {_month_expression(key, is_date)} FROM {_quote(_default_name(table))}"  # noqa: S608
    )
    return {row[0] for row in cursor.fetchall()}


def _month_attach(cursor, table: str, key: str, month: date, is_date: bool) -> None:
    """Create ``month``'s partition, moving into it the rows the default partition holds for
    it (PostgreSQL refuses a month whose rows sit in the default partition).

    Built as a table of its own, then attached: ATTACH takes a lock that lets the table's
    reads and writes go on, where CREATE TABLE … PARTITION OF would block them.
    """
    name, default = _quote(partition_name(table, month)), _quote(_default_name(table))
    bound = _quote(f"{partition_name(table, month)}_bound")
    start, end = _bound(month, is_date), _bound(month_after(month), is_date)
    columns = ", ".join(_quote(column) for column in _columns(cursor, table))
    quoted_key = _quote(key)
    cursor.execute(
        f"CREATE TABLE {name} (LIKE {_quote(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    # the bound as a constraint lets ATTACH skip its scan of the new month's rows
    cursor.execute(
        f"ALTER TABLE {name} ADD CONSTRAINT {bound} "
        f"CHECK ({quoted_key} IS NOT NULL AND {quoted_key} >= {start} AND {quoted_key} < {end})"
    )
    in_month = f"{quoted_key} >= {start} AND {quoted_key} < {end}"
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {in_month})")  # noqa: S608
    if cursor.fetchone()[0]:
        # Moved while the default partition is detached: a detached partition loses the
        # triggers it took from its table, so a table whose rows may never be deleted (the
        # ledger's entries) lets them move. Rare: a month is made long before its rows.
        cursor.execute(f"ALTER TABLE {_quote(table)} DETACH PARTITION {default}")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {default} WHERE {in_month} "  # noqa: S608
            f"RETURNING {columns}) INSERT INTO {name} ({columns}) SELECT {columns} FROM moved"
        )
        cursor.execute(f"ALTER TABLE {_quote(table)} ATTACH PARTITION {default} DEFAULT")
    cursor.execute(
        f"ALTER TABLE {_quote(table)} ATTACH PARTITION {name} FOR VALUES FROM ({start}) TO ({end})"
    )
    cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {bound}")


# Expired months ----------------------------------------------------------------------------


def partitions_drop_expired(*, now: datetime | None = None) -> list[str]:
    """Drop the months of the tables whose rows may go (``keep_days``) once the whole month
    is older than that, and its ``drop_if`` agrees; returns the names dropped. Tables
    without ``keep_days`` (audit, tracking, trade facts) never lose a month here: an old
    month is detached and archived by an operator, if ever."""
    if connection.vendor != "postgresql":
        return []
    now = now or timezone.now()
    dropped = []
    for table in partitioned_tables():
        if table.keep is None:
            continue
        cutoff = now - table.keep
        for month, name in sorted(partition_months(table.table).items()):
            start, end = _start(month), _start(month_after(month))
            if end > cutoff or (table.drop_if and not table.drop_if(start, end)):
                continue
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                cursor.execute(f"DROP TABLE {_quote(name)}")
            dropped.append(name)
    return dropped


# The swap a migration makes ----------------------------------------------------------------


def partition_by_month(schema_editor, *, table: str, key: str, months_ahead: int = 3) -> None:
    """Migration step: replace ``table`` by one partitioned by month of ``key``, with the same
    columns, defaults, identity (its sequence carried on), constraints, indexes and rows;
    months for the rows there are and ``months_ahead`` months from now. Nothing on SQLite.

    Every unique constraint must include ``key`` already (change it in the migration's
    operations first); a table other tables reference cannot be swapped (PostgreSQL lets a
    foreign key point to a partitioned table only through a unique key with the partition
    column, which a reference to ``id`` alone does not have).
    """
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _swap(cursor, table, key, months_ahead)


def unpartition(schema_editor, *, table: str, key: str) -> None:
    """The reverse of ``partition_by_month``: a plain table again, rows and all."""
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _swap(cursor, table, key, None)


def _swap(cursor, table: str, key: str, months_ahead: int | None) -> None:
    """Rename the table away, create the new one LIKE it, copy the rows, drop the old one,
    then add its constraints and indexes under their own names (after the copy: one index
    build instead of one insert per row and index)."""
    partitioned = months_ahead is not None
    _refuse_references(cursor, table)
    columns = _columns(cursor, table)
    constraints = _constraints(cursor, table)
    indexes = _indexes(cursor, table)
    sequences = _sequences(cursor, table, columns)
    old = f"{table}__swap"
    cursor.execute(f"ALTER TABLE {_quote(table)} RENAME TO {_quote(old)}")
    cursor.execute(
        f"CREATE TABLE {_quote(table)} (LIKE {_quote(old)} INCLUDING DEFAULTS "
        "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)"
        + (f" PARTITION BY RANGE ({_quote(key)})" if partitioned else "")
    )
    if partitioned:
        _months_create(cursor, table, old, key, months_ahead)
    listed = ", ".join(_quote(column) for column in columns)
    cursor.execute(
        f"INSERT INTO {_quote(table)} ({listed}) OVERRIDING SYSTEM VALUE "  # noqa: S608
        f"SELECT {listed} FROM {_quote(old)}"
    )
    cursor.execute(f"DROP TABLE {_quote(old)}")
    for column, (name, last_value, is_called) in sequences.items():
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        cursor.execute(f"ALTER SEQUENCE {cursor.fetchone()[0]} RENAME TO {_quote(name)}")
        cursor.execute("SELECT setval(%s::regclass, %s, %s)", [name, last_value, is_called])
    for name, kind, definition, keys in constraints:
        if kind == "p":
            keys = [column for column in keys if column != key] + ([key] if partitioned else [])
            definition = f"PRIMARY KEY ({', '.join(_quote(column) for column in keys)})"
        elif kind == "u" and partitioned and key not in keys:
            raise PartitioningRefused(f"{table}: unique {name} must include {key}")
        cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}")
    for definition in indexes:
        cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))


def _months_create(cursor, table: str, old: str, key: str, months_ahead: int) -> None:
    is_date = _key_is_date(cursor, old, key)
    cursor.execute(f"SELECT DISTINCT {_month_expression(key, is_date)} FROM {_quote(old)}")  # noqa: S608
    months = {row[0] for row in cursor.fetchall()} | set(
        months_from(month_of(timezone.now()), months_ahead)
    )
    cursor.execute(
        f"CREATE TABLE {_quote(_default_name(table))} PARTITION OF {_quote(table)} DEFAULT"
    )
    for month in sorted(months):
        cursor.execute(
            f"CREATE TABLE {_quote(partition_name(table, month))} PARTITION OF {_quote(table)} "
            f"FOR VALUES FROM ({_bound(month, is_date)}) TO ({_bound(month_after(month), is_date)})"
        )


def _refuse_references(cursor, table: str) -> None:
    cursor.execute(
        "SELECT conname, conrelid::regclass::text FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f' AND conparentid = 0",
        [table],
    )
    references = cursor.fetchall()
    if references:
        raise PartitioningRefused(f"{table} is referenced by {references}")


def _constraints(cursor, table: str) -> list[tuple[str, str, str, list[str]]]:
    """(name, kind, definition, columns) of the table's own constraints, the primary key
    first (NOT NULL goes with the columns)."""
    cursor.execute(
        "SELECT con.conname, con.contype, pg_get_constraintdef(con.oid), "
        "ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
        "ORDER BY k.n) "
        "FROM pg_constraint con WHERE con.conrelid = %s::regclass "
        "AND con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0 "
        "ORDER BY con.contype <> 'p', con.conname",
        [table],
    )
    return [(name, kind, definition, list(keys)) for name, kind, definition, keys in cursor]


def _indexes(cursor, table: str) -> list[str]:
    """The definitions of the indexes that back no constraint (those come with theirs)."""
    cursor.execute(
        "SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
        "AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY x.indexrelid",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _sequences(cursor, table: str, columns: list[str]) -> dict[str, tuple[str, int, bool]]:
    """Column → (sequence, last value, whether it was used) of each identity or serial
    column: the new table's sequence takes the name and goes on from there, so no id is
    handed out twice."""
    found = {}
    for column in columns:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        sequence = cursor.fetchone()[0]
        if sequence:
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            last_value, is_called = cursor.fetchone()
            found[column] = (sequence.split(".")[-1].strip('"'), last_value, is_called)
    return found
