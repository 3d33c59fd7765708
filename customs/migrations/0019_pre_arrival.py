from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customs", "0018_positive_list")]

    operations = [
        migrations.AddField(
            model_name="declaration",
            name="arrival_expected_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="declaration",
            name="goods_arrived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="declaration",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("submitted", "Submitted"),
                    ("classify", "Classification needed"),
                    ("assessed", "Assessed"),
                    ("lane", "In a lane"),
                    ("accepted", "Accepted, awaiting arrival"),
                    ("released", "Released"),
                    ("held", "Held"),
                    ("rejected", "Rejected"),
                    ("cancelled", "Cancelled"),
                ],
                default="draft",
                max_length=10,
            ),
        ),
    ]
