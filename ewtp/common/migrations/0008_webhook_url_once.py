from django.db import migrations, models


def keep_oldest_of_each_url(apps, schema_editor):
    """Endpoints registered twice for one URL doubled every event: keep the oldest."""
    WebhookEndpoint = apps.get_model("common", "WebhookEndpoint")
    seen = set()
    for endpoint in WebhookEndpoint.objects.order_by("id").only("id", "api_client_id", "url"):
        key = (endpoint.api_client_id, endpoint.url)
        if key in seen:
            endpoint.delete()
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0007_api_client_authority"),
    ]

    operations = [
        migrations.RunPython(keep_oldest_of_each_url, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="webhookendpoint",
            constraint=models.UniqueConstraint(
                fields=("api_client", "url"), name="webhook_url_once"
            ),
        ),
    ]
