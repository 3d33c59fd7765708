from django.db import migrations, models

CN_194 = (
    "GACC Announcement 2018 No. 194 (cross-border e-commerce retail import supervision: "
    "order, payment and waybill records; consumer identity)"
)
CN_LIMITS = "MOF, GACC, SAT Announcement 2018 No. 49 (per-transaction and annual limits)"
MY_RISK = "Customs Act 1967 (Malaysia); WTO Trade Facilitation Agreement Art. 7.4 (risk management)"

# The starting weights and parameters of the rules on who paid and where the goods go;
# officers tune them in the admin (customs.services.risk_people).
RULES = [
    (
        "dispute_history",
        "Seller's or consumer's orders disputed or refunded",
        20,
        {
            "window_days": 90,
            "seller_min_orders": 3,
            "seller_min_share": 0.05,
            "consumer_min_orders": 2,
        },
        f"{CN_194}; {MY_RISK}",
    ),
    # Light on its own: the three-record match already holds such a consignment until the
    # records agree; the weight adds to the other signals (with splitting by payer it
    # reaches the officer's yellow lane) and the firing stays on the decision.
    (
        "payer_mismatch",
        "Retail import paid by someone other than the consumer",
        15,
        {"regimes": ["CN_CBEC_IMPORT"]},
        CN_194,
    ),
    (
        "splitting_by_address",
        "Consignments to one address for different consumers",
        30,
        {"window_days": 7, "min_declarations": 3, "min_consumers": 2},
        f"{CN_194}; {CN_LIMITS}; {MY_RISK}",
    ),
    (
        "splitting_by_payer",
        "Consignments paid by one payer for different consumers",
        35,
        {"window_days": 7, "min_declarations": 3, "min_consumers": 2},
        f"{CN_194}; {CN_LIMITS}; {MY_RISK}",
    ),
]


def add_rules(apps, schema_editor):
    RiskRule = apps.get_model("customs", "RiskRule")
    for code, name, weight, parameters, legal_source in RULES:
        RiskRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "weight": weight,
                "parameters": parameters,
                "legal_source": legal_source,
            },
        )


def remove_rules(apps, schema_editor):
    RiskRule = apps.get_model("customs", "RiskRule")
    RiskRule.objects.filter(code__in=[code for code, *_ in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("customs", "0016_certificates_of_origin")]

    operations = [
        migrations.AddField(
            model_name="riskrule",
            name="legal_source",
            field=models.CharField(
                blank=True,
                help_text="The law or announcement the rule applies, where it has one.",
                max_length=500,
            ),
        ),
        migrations.AddField(
            model_name="declaration",
            name="payer_id_reference",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="declaration",
            name="payer_account_key",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="declaration",
            name="delivery_address_key",
            field=models.CharField(blank=True, max_length=64),
        ),
        # splitting by payer and by delivery address (customs.services.risk_people)
        migrations.AddIndex(
            model_name="declaration",
            index=models.Index(
                fields=["payer_account_key", "created_at"], name="declaration_payer_acct_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="declaration",
            index=models.Index(
                fields=["payer_id_reference", "created_at"], name="declaration_payer_id_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="declaration",
            index=models.Index(
                fields=["delivery_address_key", "created_at"], name="declaration_address_idx"
            ),
        ),
        migrations.RunPython(add_rules, remove_rules),
    ]
