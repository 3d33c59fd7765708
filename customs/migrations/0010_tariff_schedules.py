"""Tariff schedules: every tariff line and preferential rate belongs to one version of a
country's schedule; chapter (2-digit) and heading (4-digit) lines are allowed; lines and
preferential rates may end (effective_to); a declaration item keeps the line it was assessed
under. Lines loaded before schedules existed go to one schedule per country, "Loaded before
schedules"."""

import django.db.models.deletion
import django_countries.fields
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, Min

EARLIER = "Loaded before schedules"


def schedules_for_earlier_lines(apps, schema_editor):
    TariffSchedule = apps.get_model("customs", "TariffSchedule")
    TariffLine = apps.get_model("customs", "TariffLine")
    PreferentialRate = apps.get_model("customs", "PreferentialRate")
    countries = {
        row["country"]: row
        for row in TariffLine.objects.values("country").annotate(
            start=Min("effective_from"), n=Count("id")
        )
    }
    for row in PreferentialRate.objects.values("country").annotate(start=Min("effective_from")):
        countries.setdefault(row["country"], {**row, "n": 0})
    for country, row in countries.items():
        schedule = TariffSchedule.objects.create(
            country=country,
            edition=EARLIER,
            version=1,
            legal_source="Each line names its own instrument",
            effective_from=row["start"],
            sha256="",
            line_count=row["n"],
            loaded_by_label="migration customs 0010",
        )
        TariffLine.objects.filter(country=country).update(schedule=schedule)
        PreferentialRate.objects.filter(country=country).update(schedule=schedule)
    if schema_editor.connection.vendor == "postgresql":
        # the foreign keys just set are checked now, not at commit: PostgreSQL refuses to
        # alter a table (NOT NULL below) with such checks pending
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("customs", "0009_officer_notes_and_documents"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TariffSchedule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("country", django_countries.fields.CountryField(max_length=2)),
                (
                    "edition",
                    models.CharField(
                        help_text=(
                            "The schedule's name (e.g. PDK 2022); a new file under it is a new "
                            "version"
                        ),
                        max_length=100,
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                (
                    "legal_source",
                    models.CharField(help_text="The instrument it enacts", max_length=200),
                ),
                ("indicative", models.BooleanField(default=False)),
                ("chapters", models.CharField(blank=True, max_length=300)),
                ("effective_from", models.DateField(help_text="Its earliest line")),
                ("effective_to", models.DateField(blank=True, null=True)),
                ("sha256", models.CharField(max_length=64)),
                ("line_count", models.PositiveIntegerField()),
                ("warnings", models.JSONField(blank=True, default=list)),
                ("warning_count", models.PositiveIntegerField(default=0)),
                ("loaded_at", models.DateTimeField(auto_now_add=True)),
                ("loaded_by_label", models.CharField(max_length=254)),
                (
                    "loaded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "superseded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="customs.tariffschedule",
                    ),
                ),
            ],
            options={
                "ordering": ["country", "edition", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("country", "edition", "sha256"), name="tariff_schedule_file_once"
                    ),
                    models.UniqueConstraint(
                        fields=("country", "edition", "version"),
                        name="tariff_schedule_version_once",
                    ),
                ],
            },
        ),
        migrations.RemoveConstraint(
            model_name="preferentialrate", name="preferential_rate_once_per_date"
        ),
        migrations.RemoveConstraint(model_name="tariffline", name="tariff_line_once_per_date"),
        migrations.RemoveConstraint(model_name="tariffline", name="tariff_hs_digits"),
        migrations.AddField(
            model_name="declarationitem",
            name="tariff_line",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customs.tariffline",
            ),
        ),
        migrations.AddField(
            model_name="preferentialrate",
            name="effective_to",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="tariffline",
            name="effective_to",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="tariffline",
            name="quantity_unit",
            field=models.CharField(blank=True, help_text="kg, u, l, m2…", max_length=10),
        ),
        migrations.AddField(
            model_name="preferentialrate",
            name="schedule",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="preferential_rates",
                to="customs.tariffschedule",
            ),
        ),
        migrations.AddField(
            model_name="tariffline",
            name="schedule",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="customs.tariffschedule",
            ),
        ),
        migrations.RunPython(schedules_for_earlier_lines, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="preferentialrate",
            name="schedule",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="preferential_rates",
                to="customs.tariffschedule",
            ),
        ),
        migrations.AlterField(
            model_name="tariffline",
            name="schedule",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="customs.tariffschedule",
            ),
        ),
        migrations.AddIndex(
            model_name="tariffline",
            index=models.Index(
                fields=["country", "hs_code", "effective_from"], name="tariff_line_lookup_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="preferentialrate",
            constraint=models.UniqueConstraint(
                fields=("schedule", "hs_code", "agreement", "effective_from"),
                name="preferential_rate_once_per_schedule_and_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="tariffline",
            constraint=models.UniqueConstraint(
                fields=("schedule", "hs_code", "effective_from"),
                name="tariff_line_once_per_schedule_and_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="tariffline",
            constraint=models.CheckConstraint(
                condition=models.Q(("hs_code__regex", "^([0-9]{2}|[0-9]{4}|[0-9]{6,10})$")),
                name="tariff_hs_digits",
            ),
        ),
        migrations.AddConstraint(
            model_name="tariffline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("effective_to__isnull", True),
                    ("effective_to__gte", models.F("effective_from")),
                    _connector="OR",
                ),
                name="tariff_line_dates_in_order",
            ),
        ),
    ]
