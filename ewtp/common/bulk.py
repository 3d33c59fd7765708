"""Writing rows in as few statements as the database allows.

Django's ``bulk_update`` writes ``SET f = CASE WHEN id = 1 THEN … WHEN id = 2 THEN … END``
for every field: the statement grows with rows × fields and PostgreSQL evaluates each CASE
per row, so a batch of hundreds spends most of its time there. On PostgreSQL ``rows_update``
joins the table to the new values instead (``UPDATE … FROM (VALUES …)``), one row of values
per object; other databases use ``bulk_update``.

``insert_unless_taken`` is one row's ``INSERT … ON CONFLICT DO NOTHING`` as a statement of
its own: ``bulk_create(ignore_conflicts=True)`` would wrap it in a transaction (BEGIN and
COMMIT round trips) even where autocommit commits the one statement by itself.
"""

from django.db import connection, models

ROWS_PER_STATEMENT = 1000


def rows_update(objects: list[models.Model], fields: list[str]) -> int:
    """Save ``fields`` of ``objects`` (all of one model, with primary keys) as they are in
    memory. Returns how many objects were written."""
    if not objects:
        return 0
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, fields, batch_size=ROWS_PER_STATEMENT)
        return len(objects)
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    # each value cast to its column's type: VALUES alone would guess the types from the
    # first row (a NULL, a JSON document, a timestamp with its zone)
    row = "(" + ", ".join(f"%s::{column.db_type(connection)}" for column in columns) + ")"
    names = ", ".join(quote(f"v_{column.column}") for column in columns)
    assignments = ", ".join(
        f"{quote(column.column)} = v.{quote('v_' + column.column)}" for column in columns[1:]
    )
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    join = f"WHERE {table}.{pk} = v.{quote('v_' + meta.pk.column)}"
    with connection.cursor() as cursor:
        for start in range(0, len(objects), ROWS_PER_STATEMENT):
            chunk = objects[start : start + ROWS_PER_STATEMENT]
            params = [
                column.get_db_prep_save(getattr(obj, column.attname), connection)
                for obj in chunk
                for column in columns
            ]
            values = ", ".join([row] * len(chunk))
            # names quoted from the model's own metadata; every value is a bound parameter
            sql = f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v ({names}) {join}"  # noqa: S608
            cursor.execute(sql, params)
    return len(objects)


def insert_statement(instance: models.Model) -> tuple[str, list]:
    """The ``INSERT … ON CONFLICT DO NOTHING`` of the unsaved ``instance`` (its primary key
    left to the database), built from the model's fields as ``save`` would; a caller may
    append ``RETURNING``. Nothing is written when a unique constraint already holds one of
    its values (PostgreSQL, and SQLite from 3.24)."""
    fields = [f for f in instance._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # only names from the model and placeholders are formatted in
    sql = (
        f"INSERT INTO {quote(instance._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({placeholders}) ON CONFLICT DO NOTHING"
    )
    params = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    return sql, params


def insert_unless_taken(instance: models.Model) -> bool:
    """Write ``instance`` unless a unique constraint already holds its values; returns
    whether it was written (its primary key is not read back). One statement: outside a
    transaction it commits by itself."""
    sql, params = insert_statement(instance)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1
