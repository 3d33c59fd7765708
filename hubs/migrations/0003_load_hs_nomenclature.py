"""Load the HS 2022 nomenclature (hubs/data/hs, see its SOURCE.md) into hubs.HsCode."""

import csv
from pathlib import Path

from django.db import migrations

HS_FILE = Path(__file__).resolve().parent.parent / "data" / "hs" / "harmonized-system-hs2022.csv"


def load(apps, schema_editor):
    HsCode = apps.get_model("hubs", "HsCode")
    with open(HS_FILE, encoding="utf-8-sig", newline="") as handle:
        # Comtrade's TOTAL section (99, 9999, 999999) is an aggregate, not an HS code.
        rows = [row for row in csv.DictReader(handle) if row["section"] != "TOTAL"]
    # parents come before children in the file order (chapter, heading, subheading)
    rows.sort(key=lambda row: int(row["level"]))
    HsCode.objects.bulk_create(
        [
            HsCode(
                code=row["hscode"],
                level=int(row["level"]),
                section=row["section"],
                description=row["description"],
                parent_id=None if row["parent"] == "TOTAL" else row["parent"],
            )
            for row in rows
        ],
        batch_size=1000,
    )


def unload(apps, schema_editor):
    apps.get_model("hubs", "HsCode").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("hubs", "0002_onboarding_catalogue_orders")]
    operations = [migrations.RunPython(load, unload)]
