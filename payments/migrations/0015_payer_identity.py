from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("payments", "0014_audit_duties_owed_to_the_hub")]

    operations = [
        # the payer's identity document number as the bank reports it (retail imports)
        migrations.AddField(
            model_name="incomingpayment",
            name="payer_id_reference",
            field=models.CharField(blank=True, max_length=40),
        ),
    ]
