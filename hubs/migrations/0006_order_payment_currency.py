from django.db import migrations, models
from django.db.models import F


def orders_paid_in_their_total_currency(apps, schema_editor):
    # every order before this was priced and paid in the seller's currency
    apps.get_model("hubs", "Order").objects.update(payment_currency=F("total_currency"))


class Migration(migrations.Migration):
    dependencies = [
        ("hubs", "0005_membership_role_known"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="payment_currency",
            field=models.CharField(
                default="",
                help_text="The currency the buyer pays in and escrow holds.",
                max_length=3,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(orders_paid_in_their_total_currency, migrations.RunPython.noop),
    ]
