from django.db import migrations, models


class Migration(migrations.Migration):
    """The hub's shipping charges and cargo insurance premiums in accounts of their own
    kinds, apart from the platform fee."""

    dependencies = [("payments", "0015_payer_identity")]

    operations = [
        migrations.RemoveConstraint(model_name="account", name="account_owner_matches_kind"),
        migrations.AlterField(
            model_name="account",
            name="kind",
            field=models.CharField(
                choices=[
                    ("customer", "Organisation balance"),
                    ("escrow", "Escrow of an order"),
                    ("fees", "Platform fees"),
                    ("carriage", "Shipping charges"),
                    ("insurance", "Cargo insurance premiums"),
                    ("duties", "Customs duties payable"),
                    ("fx", "FX position"),
                    ("fx_result", "FX result"),
                    ("bank_clearing", "Partner bank clearing"),
                    ("receivable", "Owed to the hub"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("kind__in", ["customer", "receivable"]), ("organization__isnull", False)
                    ),
                    models.Q(("kind", "escrow"), ("order__isnull", False)),
                    models.Q(
                        ("hub__isnull", False),
                        ("kind__in", ["fees", "duties", "carriage", "insurance"]),
                    ),
                    ("kind__in", ["fx", "fx_result"]),
                    models.Q(("bank__isnull", False), ("kind", "bank_clearing")),
                    _connector="OR",
                ),
                name="account_owner_matches_kind",
            ),
        ),
    ]
