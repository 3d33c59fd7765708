"""PostgreSQL guards of the ledger, on top of the service-level checks:

- a deferred constraint trigger refuses to commit a transaction whose entries do not sum to
  zero per currency (checked at COMMIT, when every entry of the transaction is in);
- a trigger refuses any UPDATE or DELETE of an entry (entries are immutable).

SQLite (the embedded default) has no deferred constraint triggers: there the services'
checks are the guard, and this migration does nothing.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION payments_entry_transaction_balanced() RETURNS trigger AS $$
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

CREATE CONSTRAINT TRIGGER payments_entry_balanced
    AFTER INSERT ON payments_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments_entry_transaction_balanced();

CREATE FUNCTION payments_entry_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable; post a reversing transaction'
        USING ERRCODE = 'restrict_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER payments_entry_no_change
    BEFORE UPDATE OR DELETE ON payments_entry
    FOR EACH ROW EXECUTE FUNCTION payments_entry_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS payments_entry_no_change ON payments_entry;
DROP FUNCTION IF EXISTS payments_entry_immutable();
DROP TRIGGER IF EXISTS payments_entry_balanced ON payments_entry;
DROP FUNCTION IF EXISTS payments_entry_transaction_balanced();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_ledger")]
    operations = [migrations.RunPython(create, drop)]
