import uuid

from django.db import migrations, models

from ewtp.common.partitions import partition_by_month, unpartition

TABLE, KEY = "common_webhookdelivery", "created_at"


def by_month(apps, schema_editor):
    partition_by_month(schema_editor, table=TABLE, key=KEY)


def plain(apps, schema_editor):
    unpartition(schema_editor, table=TABLE, key=KEY)


class Migration(migrations.Migration):
    """The webhook delivery log, partitioned by month of created_at on PostgreSQL (old
    bodies are emptied, the rows stay). event_id is a random UUID, indexed rather than
    unique: a unique index there would have to include created_at."""

    dependencies = [
        ("common", "0011_outbox_deliveries_by_month"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event_id",
            field=models.UUIDField(db_index=True, default=uuid.uuid4, editable=False),
        ),
        migrations.RunPython(by_month, plain),
    ]
