from django.db import migrations, models

from ewtp.common.partitions import partition_by_month, unpartition

TABLE, KEY = "analytics_tradefact", "shipped_on"


def by_month(apps, schema_editor):
    partition_by_month(schema_editor, table=TABLE, key=KEY)


def plain(apps, schema_editor):
    unpartition(schema_editor, table=TABLE, key=KEY)


class Migration(migrations.Migration):
    """Trade facts, partitioned by month of shipped_on on PostgreSQL: the date every
    dashboard filters by, so a period reads only its months. The once-per-line key takes
    the column (a unique key of a partitioned table must)."""

    dependencies = [
        ("analytics", "0001_trade_facts_and_rollups"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="tradefact",
            name="trade_fact_once",
        ),
        migrations.AddConstraint(
            model_name="tradefact",
            constraint=models.UniqueConstraint(
                fields=("order_id", "line_no", "shipped_on"), name="trade_fact_once"
            ),
        ),
        migrations.RunPython(by_month, plain),
    ]
