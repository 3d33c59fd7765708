import uuid

import django.db.models.deletion
import django_countries.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customs", "0015_lvg_registration"),
        ("hubs", "0014_product_image_thumbnail"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CertificateOfOrigin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("number", models.CharField(max_length=20, unique=True)),
                (
                    "agreement",
                    models.CharField(
                        choices=[("ACFTA", "ASEAN–China Free Trade Area (Form E)")],
                        max_length=10,
                    ),
                ),
                ("issued_at", models.DateTimeField()),
                ("issued_on", models.DateField()),
                ("valid_until", models.DateField()),
                ("exporter_name", models.CharField(max_length=200)),
                ("importer_name", models.CharField(max_length=200)),
                ("importing_country", django_countries.fields.CountryField(max_length=2)),
                ("origin_country", django_countries.fields.CountryField(max_length=2)),
                (
                    "status",
                    models.CharField(
                        choices=[("issued", "Issued"), ("revoked", "Revoked")],
                        default="issued",
                        max_length=8,
                    ),
                ),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("revoke_reason", models.CharField(blank=True, max_length=500)),
                ("legal_source", models.CharField(max_length=300)),
                (
                    "exporter",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="certificates_of_origin",
                        to="hubs.organization",
                    ),
                ),
                (
                    "hub",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="hubs.hub",
                    ),
                ),
                (
                    "issued_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-issued_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="OriginDeclaration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("hs_code", models.CharField(max_length=10)),
                ("description", models.CharField(max_length=200)),
                (
                    "agreement",
                    models.CharField(
                        choices=[("ACFTA", "ASEAN–China Free Trade Area (Form E)")],
                        default="ACFTA",
                        max_length=10,
                    ),
                ),
                ("origin_country", django_countries.fields.CountryField(max_length=2)),
                ("importing_country", django_countries.fields.CountryField(max_length=2)),
                ("importer_name", models.CharField(max_length=200)),
                (
                    "criterion",
                    models.CharField(
                        choices=[
                            ("WO", "Wholly obtained or produced"),
                            ("RVC", "Regional value content (at least 40 %)"),
                            ("CTH", "Change in tariff heading"),
                        ],
                        max_length=3,
                    ),
                ),
                ("currency", models.CharField(blank=True, max_length=3)),
                (
                    "fob_value",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True),
                ),
                (
                    "non_originating_value",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True),
                ),
                ("non_originating_headings", models.CharField(blank=True, max_length=300)),
                (
                    "rvc_percent",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
                ),
                (
                    "result",
                    models.CharField(
                        choices=[
                            ("passed", "Meets the rule of origin"),
                            ("failed", "Does not meet the rule of origin"),
                        ],
                        max_length=6,
                    ),
                ),
                ("reason", models.CharField(max_length=500)),
                ("legal_source", models.CharField(max_length=300)),
                (
                    "declared_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "hub",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="hubs.hub",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="origin_declarations",
                        to="hubs.organization",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="hubs.product",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="CertificateLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("line_no", models.PositiveSmallIntegerField()),
                ("hs_code", models.CharField(max_length=10)),
                ("description", models.CharField(max_length=200)),
                ("origin_criterion", models.CharField(max_length=10)),
                (
                    "fob_value",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True),
                ),
                ("currency", models.CharField(blank=True, max_length=3)),
                (
                    "certificate",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="customs.certificateoforigin",
                    ),
                ),
                (
                    "origin_declaration",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="certificate_line",
                        to="customs.origindeclaration",
                    ),
                ),
            ],
            options={
                "ordering": ["certificate_id", "line_no"],
            },
        ),
        migrations.AddIndex(
            model_name="certificateoforigin",
            index=models.Index(fields=["hub", "-issued_at"], name="certificate_hub_idx"),
        ),
        migrations.AddConstraint(
            model_name="certificateoforigin",
            constraint=models.CheckConstraint(
                condition=models.Q(("number__regex", "^E[0-9A-Z]{6,19}$")),
                name="certificate_number_format",
            ),
        ),
        migrations.AddConstraint(
            model_name="certificateoforigin",
            constraint=models.CheckConstraint(
                condition=models.Q(("valid_until__gte", models.F("issued_on"))),
                name="certificate_valid_after_issue",
            ),
        ),
        migrations.AddIndex(
            model_name="origindeclaration",
            index=models.Index(fields=["organization", "-created_at"], name="origin_decl_org_idx"),
        ),
        migrations.AddIndex(
            model_name="origindeclaration",
            index=models.Index(
                fields=["hub", "result", "created_at"], name="origin_decl_queue_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="origindeclaration",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("criterion", "RVC"), _negated=True),
                    models.Q(("fob_value__gt", 0), ("non_originating_value__gte", 0)),
                    _connector="OR",
                ),
                name="origin_decl_rvc_values",
            ),
        ),
        migrations.AddConstraint(
            model_name="certificateline",
            constraint=models.UniqueConstraint(
                fields=("certificate", "line_no"), name="certificate_line_once"
            ),
        ),
    ]
