"""Every account's balance kept by the database in BalanceShard rows (PostgreSQL): a
statement-level trigger on the INSERT of entries adds each account's net movement to one of
its shards; a second trigger refuses any other write to them. The shards are filled here from
the entries already posted, one per account.

See ``BalanceShard`` for why shards (no hot row on the hub's accounts) and how a posting
picks one (the first that no other transaction holds, so concurrent postings never wait for
each other). The entries stay the record: the shards are their sums, re-added by the tests.

SQLite keeps the table empty and its balances sum the entries.
"""

import django.db.models.deletion
from django.db import migrations, models

# 16: BalanceShard.SHARDS when this was written
CREATE = """
CREATE FUNCTION payments_balance_shards_add() RETURNS trigger AS $$
DECLARE
    moved record;
    -- the shard this connection tries first, so that its postings reuse one row
    preferred smallint := pg_backend_pid() % 16;
BEGIN
    -- in account order, so that two statements that ever wait for each other's shards
    -- (all 16 taken) wait in the same order
    FOR moved IN
        SELECT account_id, SUM(amount_minor) AS minor FROM added
        GROUP BY account_id HAVING SUM(amount_minor) <> 0 ORDER BY account_id
    LOOP
        -- the first shard no other transaction holds: no waiting behind a concurrent posting
        UPDATE payments_balanceshard SET minor = minor + moved.minor
        WHERE account_id = moved.account_id AND shard = (
            SELECT shard FROM payments_balanceshard
            WHERE account_id = moved.account_id
            ORDER BY shard <> preferred, shard
            LIMIT 1 FOR UPDATE SKIP LOCKED
        );
        CONTINUE WHEN FOUND;
        -- none free: a new shard, the preferred one if it does not exist yet
        INSERT INTO payments_balanceshard (account_id, shard, minor)
        SELECT moved.account_id, n, moved.minor FROM generate_series(0, 16 - 1) AS n
        WHERE NOT EXISTS (
            SELECT 1 FROM payments_balanceshard WHERE account_id = moved.account_id AND shard = n
        )
        ORDER BY n <> preferred, n LIMIT 1
        ON CONFLICT DO NOTHING;
        CONTINUE WHEN FOUND;
        -- all 16 exist and are held: wait for the preferred one
        INSERT INTO payments_balanceshard AS s (account_id, shard, minor)
        VALUES (moved.account_id, preferred, moved.minor)
        ON CONFLICT (account_id, shard) DO UPDATE SET minor = s.minor + EXCLUDED.minor;
    END LOOP;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER payments_entry_balance_shards
    AFTER INSERT ON payments_entry
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION payments_balance_shards_add();

CREATE FUNCTION payments_balanceshard_kept() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'balances are kept by the ledger''s entries; post a transaction'
        USING ERRCODE = 'restrict_violation';
END $$ LANGUAGE plpgsql;

-- pg_trigger_depth() is 0 outside any trigger: a write that does not come from the entries'
CREATE TRIGGER payments_balanceshard_kept
    BEFORE INSERT OR UPDATE OR DELETE ON payments_balanceshard
    FOR EACH ROW WHEN (pg_trigger_depth() < 1)
    EXECUTE FUNCTION payments_balanceshard_kept();
"""

BACKFILL = """
INSERT INTO payments_balanceshard (account_id, shard, minor)
SELECT account_id, 0, SUM(amount_minor) FROM payments_entry GROUP BY account_id
"""

DROP = """
DROP TRIGGER IF EXISTS payments_balanceshard_kept ON payments_balanceshard;
DROP FUNCTION IF EXISTS payments_balanceshard_kept();
DROP TRIGGER IF EXISTS payments_entry_balance_shards ON payments_entry;
DROP FUNCTION IF EXISTS payments_balance_shards_add();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # no entry can commit between the sums and the trigger that takes over from them
    schema_editor.execute("LOCK TABLE payments_entry IN SHARE MODE", params=None)
    schema_editor.execute(BACKFILL, params=None)
    schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0018_entry_partitions")]

    operations = [
        migrations.CreateModel(
            name="BalanceShard",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "account",
                        "shard",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("shard", models.SmallIntegerField()),
                ("minor", models.BigIntegerField()),
                (
                    "account",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="balance_shards",
                        to="payments.account",
                    ),
                ),
            ],
        ),
        migrations.RunPython(create, drop),
    ]
