from django.db import migrations, models
from django.db.models import OuterRef, Subquery

from ewtp.common.partitions import partition_by_month, unpartition

TABLE, KEY = "common_outboxdelivery", "event_created_at"


def event_times_copy(apps, schema_editor):
    OutboxDelivery = apps.get_model("common", "OutboxDelivery")
    OutboxEvent = apps.get_model("common", "OutboxEvent")
    OutboxDelivery.objects.update(
        event_created_at=Subquery(
            OutboxEvent.objects.filter(pk=OuterRef("event_id")).values("created_at")[:1]
        )
    )


def by_month(apps, schema_editor):
    partition_by_month(schema_editor, table=TABLE, key=KEY)


def plain(apps, schema_editor):
    unpartition(schema_editor, table=TABLE, key=KEY)


class Migration(migrations.Migration):
    """Outbox deliveries carry their event's created_at and are partitioned by month of it on
    PostgreSQL: a month of delivered events goes with its partition (retention). The
    exactly-once key takes the column, which changes nothing (one event, one time)."""

    dependencies = [
        ("common", "0010_audit_entries_by_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxdelivery",
            name="event_created_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(event_times_copy, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outboxdelivery",
            name="event_created_at",
            field=models.DateTimeField(),
        ),
        migrations.RemoveConstraint(
            model_name="outboxdelivery",
            name="outbox_delivery_once",
        ),
        migrations.AddConstraint(
            model_name="outboxdelivery",
            constraint=models.UniqueConstraint(
                fields=("event", "subscriber", "event_created_at"), name="outbox_delivery_once"
            ),
        ),
        migrations.RunPython(by_month, plain),
    ]
