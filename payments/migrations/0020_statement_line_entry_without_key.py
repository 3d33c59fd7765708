# The model's state only: on PostgreSQL 0018 dropped the database key (a key on a partitioned
# table must name the month too) and puts it back when reversed; there, re-creating it here on
# the way back would fail against the still-partitioned entries. SQLite keeps its key.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0019_balance_shards'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='statementline',
                    name='entry',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='payments.entry'),
                ),
            ],
        ),
    ]
