"""The balance of the accounts that must never go negative (customer, escrow), kept on their
row by ledger_post from now on, and filled here from the entries already posted.

Postings made by code that does not move ``held_minor`` yet would leave the row behind its
entries: migrate with the ledger's writers (web, workers) stopped, or run BACKFILL again once
the last old process is gone. It sets the row from the entries, so running it twice is
harmless.
"""

from django.db import migrations, models

BACKFILL = """
UPDATE payments_account SET held_minor = COALESCE(
    (SELECT SUM(e.amount_minor) FROM payments_entry e WHERE e.account_id = payments_account.id),
    0
)
WHERE kind IN ('customer', 'escrow')
"""


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # no entry can commit between the sums and this migration's commit
        schema_editor.execute("LOCK TABLE payments_entry IN SHARE MODE", params=None)
    schema_editor.execute(BACKFILL, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0016_hub_charge_accounts")]

    operations = [
        migrations.AddField(
            model_name="account",
            name="held_minor",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        # backwards, dropping the column is all there is to undo
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
