from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customs", "0017_risk_money_and_people")]

    operations = [
        migrations.CreateModel(
            name="PositiveListEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "edition",
                    models.CharField(
                        help_text="The list's edition (e.g. 2019, as adjusted in 2022)",
                        max_length=100,
                    ),
                ),
                ("hs_code", models.CharField(max_length=10)),
                ("description", models.CharField(max_length=200)),
                ("effective_from", models.DateField()),
                ("effective_to", models.DateField(blank=True, null=True)),
                (
                    "legal_source",
                    models.CharField(help_text="The instrument that lists it", max_length=200),
                ),
                ("indicative", models.BooleanField(default=False)),
            ],
            options={
                "verbose_name_plural": "positive list entries",
                "ordering": ["hs_code", "-effective_from"],
                "indexes": [models.Index(fields=["hs_code"], name="positive_list_code_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("edition", "hs_code", "effective_from"),
                        name="positive_list_entry_once",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("hs_code__regex", "^([0-9]{2}|[0-9]{4}|[0-9]{6,10})$")),
                        name="positive_list_hs_code_digits",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("effective_to__isnull", True),
                            ("effective_to__gte", models.F("effective_from")),
                            _connector="OR",
                        ),
                        name="positive_list_dates_ordered",
                    ),
                ],
            },
        ),
    ]
