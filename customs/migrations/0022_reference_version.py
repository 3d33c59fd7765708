"""A version of the customs reference data, kept by PostgreSQL: any change to a tariff
line or schedule, a preferential rate, a regime parameter, the positive list, a risk rule or
the watch list (through the ORM, a bulk load, ``QuerySet.update`` or plain SQL) sets the one
row of ``customs_reference_version`` to the next value of a sequence. A process may keep the
reference data it read while that row is unchanged (customs/services/reference_cache.py).

The value comes from a sequence because a sequence never goes back: an edit rolled back
leaves the row as it was, and the next edit gets a value no cache was ever labelled with.

The trigger fires BEFORE each statement, so a transaction takes the version row's lock
before any row of the reference tables: two admin saves of overlapping rules wait for one
another instead of deadlocking. Writes to the reference data are serialized by it (a tariff
load holds it until it commits; an edit of a rule meanwhile waits), which their rarity
allows. A statement that changes no row still counts as a change.

SQLite (the embedded default) has no such guard: there the data is read again for every
unit of work, and this migration does nothing.
"""

from django.db import migrations

TABLES = [
    "customs_tariffline",
    "customs_tariffschedule",
    "customs_preferentialrate",
    "customs_regimeparameter",
    "customs_positivelistentry",
    "customs_riskrule",
    "customs_watchlistentry",
]

CREATE = """
CREATE SEQUENCE customs_reference_version_seq;
-- from the clock: a database made again (a reset) never repeats an earlier one's versions
SELECT setval(
    'customs_reference_version_seq', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
);
CREATE TABLE customs_reference_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO customs_reference_version VALUES (1, nextval('customs_reference_version_seq'));

CREATE FUNCTION customs_reference_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO customs_reference_version VALUES (1, nextval('customs_reference_version_seq'))
        ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_reference_changed
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION customs_reference_changed();
"""
    for table in TABLES
)

DROP = (
    "".join(f"DROP TRIGGER IF EXISTS {table}_reference_changed ON {table};\n" for table in TABLES)
    + """
DROP FUNCTION IF EXISTS customs_reference_changed();
DROP TABLE IF EXISTS customs_reference_version;
DROP SEQUENCE IF EXISTS customs_reference_version_seq;
"""
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("customs", "0021_declaration_supervision_mode"),
    ]

    operations = [migrations.RunPython(create, drop)]
