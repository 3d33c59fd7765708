from django.db import migrations, models


class Migration(migrations.Migration):
    """A finding may keep the value declared: a preference withdrawn after release (its
    certificate revoked) is owed on the same value."""

    dependencies = [("customs", "0019_pre_arrival")]

    operations = [
        migrations.RemoveConstraint(
            model_name="postclearanceaudit", name="audit_finding_has_figures"
        ),
        migrations.AddConstraint(
            model_name="postclearanceaudit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["to_audit", "no_finding"]),
                    models.Q(
                        ("corrected_value__gte", models.F("declared_value")),
                        ("declared_value__isnull", False),
                        ("duty_owed__isnull", False),
                        ("tax_owed__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="audit_finding_has_figures",
            ),
        ),
    ]
