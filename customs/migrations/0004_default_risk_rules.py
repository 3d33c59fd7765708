from django.db import migrations

# The starting weights of the selectivity rules; officers tune them in the admin.
RULES = [
    ("below_paid", "Declared value below the amount paid", 40, {"tolerance_percent": 5}),
    ("new_exporter", "First shipments of a new exporter", 10, {"min_released": 3}),
    ("random", "Random selection", 45, {"rate": 0.05}),
    ("restricted", "Restricted goods (permit required)", 25, {}),
    ("route", "Origin on a watched route", 10, {"origins": []}),
    ("splitting", "Consignments split under a threshold", 35, {"window_hours": 24}),
    ("undervaluation", "Unit value under the exporter's history", 30, {"ratio": 0.5, "min_history": 3}),
    ("watch_list", "Watch-listed party", 60, {}),
    ("weight_value", "Value per kg out of range", 15, {"min_value_per_kg": 0.5, "max_value_per_kg": 20000}),
]


def add_rules(apps, schema_editor):
    RiskRule = apps.get_model("customs", "RiskRule")
    for code, name, weight, parameters in RULES:
        RiskRule.objects.get_or_create(
            code=code, defaults={"name": name, "weight": weight, "parameters": parameters}
        )


class Migration(migrations.Migration):
    dependencies = [("customs", "0003_risk")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
