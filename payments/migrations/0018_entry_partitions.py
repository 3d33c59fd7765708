"""The ledger's entries partitioned by month of ``created_at`` (PostgreSQL).

The kernel's swap (ewtp/common/partitions.py) replaces the table with a partitioned one with
the same columns, identity (ids go on where they stopped), constraints, indexes and rows,
one partition per month named ``payments_entry_pYYYYMM`` and ``payments_entry_default`` for
a row of a month that has none. The primary key becomes (id, created_at), as PostgreSQL
requires of a partitioned table; Django still treats ``id`` alone as the key. The ledger's
guards of migration 0002 are re-created on the parent, which clones them onto every
partition. A read that names a period of ``created_at`` then reads only its partitions.

The balance check of 0002 now reads only the partitions of its transaction's day, so that its
cost stays flat as months accumulate; an entry dated outside that day (before its
transaction, or a day or more after it) would escape that sum, so the check refuses one
(``ledger_post`` dates them the same).

A foreign key can reference a partitioned table only through a unique key that includes the
partition column, so StatementLine.entry loses its database foreign key; a deferred trigger
refuses a line naming an entry that does not exist instead (entries are never deleted, so
that check at insert is all the foreign key did).

Partitions: the months of the rows there are, MONTHS_BACK months back (the demo's longest
history) and MONTHS_AHEAD ahead; later months come from the kernel's daily
``partitions_ensure`` once ``payments.Entry`` is in PARTITIONED_TABLES. Migrate with the
ledger's writers stopped: the table is locked while its rows are copied.

SQLite keeps a plain table: it has no partitions, and the embedded database is small.
"""

from datetime import UTC, date, datetime

from django.db import migrations

from ewtp.common.partitions import partition_by_month, unpartition

MONTHS_BACK = 25
MONTHS_AHEAD = 12

# Reads only the partitions of its transaction's day: an entry is dated with its transaction
# (ledger_post dates them the same), so one dated before it or a day or more after it is
# refused, and the sum of the entries in that window is the whole transaction. A generic
# plan prunes the partitions when it runs; the custom plans PostgreSQL would otherwise
# make first plan every partition of the table on each call.
BALANCED_BY_PARTITION = """
CREATE OR REPLACE FUNCTION payments_entry_transaction_balanced() RETURNS trigger
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    opened timestamp with time zone;
BEGIN
    SELECT created_at INTO opened FROM payments_ledgertransaction WHERE id = NEW.transaction_id;
    IF NEW.created_at < opened OR NEW.created_at >= opened + interval '1 day' THEN
        RAISE EXCEPTION 'ledger entry of transaction % is not dated with it', NEW.transaction_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM payments_entry
        WHERE transaction_id = NEW.transaction_id
          AND created_at >= opened AND created_at < opened + interval '1 day'
        GROUP BY currency HAVING SUM(amount_minor) <> 0
    ) THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', NEW.transaction_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""
# migration 0002's body, for the way back
BALANCED_WHOLE_TABLE = """
CREATE OR REPLACE FUNCTION payments_entry_transaction_balanced() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM payments_entry
        WHERE transaction_id = NEW.transaction_id
        GROUP BY currency HAVING SUM(amount_minor) <> 0
    ) THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', NEW.transaction_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""
GUARDS = """
CREATE CONSTRAINT TRIGGER payments_entry_balanced
    AFTER INSERT ON payments_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments_entry_transaction_balanced();

CREATE TRIGGER payments_entry_no_change
    BEFORE UPDATE OR DELETE ON payments_entry
    FOR EACH ROW EXECUTE FUNCTION payments_entry_immutable();
"""

LINE_ENTRY_EXISTS = """
CREATE FUNCTION payments_statementline_entry_exists() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM payments_entry WHERE id = NEW.entry_id) THEN
        RAISE EXCEPTION 'statement line % names ledger entry %, which does not exist',
            NEW.id, NEW.entry_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER payments_statementline_entry_exists
    AFTER INSERT OR UPDATE OF entry_id ON payments_statementline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.entry_id IS NOT NULL)
    EXECUTE FUNCTION payments_statementline_entry_exists();
"""
LINE_ENTRY_EXISTS_DROP = """
DROP TRIGGER IF EXISTS payments_statementline_entry_exists ON payments_statementline;
DROP FUNCTION IF EXISTS payments_statementline_entry_exists();
"""


def _month(day: date, add: int = 0) -> date:
    months = day.year * 12 + day.month - 1 + add
    return date(months // 12, months % 12 + 1, 1)


def _months_back(schema_editor) -> None:
    """The months from MONTHS_BACK ago to now that have no partition yet (the kernel's swap
    made those of the rows there are): a posting dated in one, such as the demo's history,
    lands in its month rather than in the default partition."""
    today = datetime.now(UTC).date()
    month = _month(today, -MONTHS_BACK)
    with schema_editor.connection.cursor() as cursor:
        while month <= today:
            name = f"payments_entry_p{month:%Y%m}"
            cursor.execute("SELECT to_regclass(%s) IS NULL", [name])
            if cursor.fetchone()[0]:
                cursor.execute(
                    f"CREATE TABLE {name} PARTITION OF payments_entry FOR VALUES "
                    f"FROM ('{month:%Y-%m-%d} 00:00:00+00') "
                    f"TO ('{_month(month, 1):%Y-%m-%d} 00:00:00+00')"
                )
            month = _month(month, 1)


def _line_foreign_keys(schema_editor) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(
            cursor, "payments_statementline"
        )
    return [
        name
        for name, info in constraints.items()
        if info["columns"] == ["entry_id"] and info["foreign_key"] == ("payments_entry", "id")
    ]


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute("LOCK TABLE payments_entry IN ACCESS EXCLUSIVE MODE", params=None)
    for name in _line_foreign_keys(schema_editor):
        execute(f"ALTER TABLE payments_statementline DROP CONSTRAINT {name}", params=None)
    # the swap drops the old table with its triggers; the parent's, added after the copy,
    # are cloned onto every partition, the default one included
    partition_by_month(
        schema_editor, table="payments_entry", key="created_at", months_ahead=MONTHS_AHEAD
    )
    _months_back(schema_editor)
    execute(BALANCED_BY_PARTITION, params=None)
    execute(GUARDS, params=None)
    execute(LINE_ENTRY_EXISTS, params=None)


def plain(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute("LOCK TABLE payments_entry IN ACCESS EXCLUSIVE MODE", params=None)
    execute(LINE_ENTRY_EXISTS_DROP, params=None)
    unpartition(schema_editor, table="payments_entry", key="created_at")
    execute(BALANCED_WHOLE_TABLE, params=None)
    execute(GUARDS, params=None)
    execute(
        "ALTER TABLE payments_statementline ADD CONSTRAINT "
        "payments_statementline_entry_id_ba32284b_fk_payments_entry_id FOREIGN KEY (entry_id) "
        "REFERENCES payments_entry (id) DEFERRABLE INITIALLY DEFERRED",
        params=None,
    )


class Migration(migrations.Migration):
    # the copy, the swap and the triggers commit together or not at all
    atomic = True
    dependencies = [("payments", "0017_account_balance")]
    operations = [migrations.RunPython(partition, plain)]
