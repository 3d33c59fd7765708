from django.db import migrations, models


class Migration(migrations.Migration):
    """Idempotent replays send the first response's bytes, not a re-rendering of its data."""

    dependencies = [
        ("common", "0008_webhook_url_once"),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotencykey",
            name="response_content",
            field=models.BinaryField(blank=True, null=True),
        ),
    ]
