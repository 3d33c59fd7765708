from django.db import migrations

from ewtp.common.partitions import partition_by_month, unpartition

TABLE, KEY = "common_auditentry", "created_at"


def by_month(apps, schema_editor):
    partition_by_month(schema_editor, table=TABLE, key=KEY)


def plain(apps, schema_editor):
    unpartition(schema_editor, table=TABLE, key=KEY)


class Migration(migrations.Migration):
    """The audit trail, partitioned by month of created_at on PostgreSQL: kept for good, and
    read by object (its index) or by period (pruned to the months asked for)."""

    dependencies = [
        ("common", "0009_idempotency_raw_response"),
    ]

    operations = [
        migrations.RunPython(by_month, plain),
    ]
