from django.db import migrations

from ewtp.common.partitions import partition_by_month, unpartition

TABLE, KEY = "logistics_trackingevent", "occurred_at"


def by_month(apps, schema_editor):
    partition_by_month(schema_editor, table=TABLE, key=KEY)


def plain(apps, schema_editor):
    unpartition(schema_editor, table=TABLE, key=KEY)


class Migration(migrations.Migration):
    """Tracking events, partitioned by month of occurred_at on PostgreSQL: kept for good; a
    parcel's timeline reads only the months since the parcel was made."""

    dependencies = [
        ("logistics", "0003_facility_opening_hours"),
    ]

    operations = [
        migrations.RunPython(by_month, plain),
    ]
