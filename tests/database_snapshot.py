"""The SQLite test database built once per set of migrations.

Running every migration (schema, ledger triggers, the HS nomenclature, the default risk
rules) costs about forty seconds of CPU, before the first test of every run. The migrated
database is kept under var/test-databases/, named by a digest of what the migrations are
made of, and copied into each run's in-memory database with SQLite's backup API: a change
to any migration, to a file a migration loads, or to Django makes a new snapshot.

PostgreSQL runs migrate as usual (``--reuse-db`` serves there)."""

import hashlib
import os
import sqlite3
import sys
from contextlib import closing, contextmanager
from pathlib import Path

import django
from django.conf import settings
from django.core.management.commands import migrate
from django.db import connections

SNAPSHOTS = Path(settings.VAR_DIR) / "test-databases"


def migrations_digest() -> str | None:
    """Every migration module's source, each file one names at module level (the HS
    nomenclature's CSV), and Django's version: the inputs of a migrated database. None when
    migrations are off (``--nomigrations``): the tables come from the models then."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    if not loader.migrated_apps:
        return None
    digest = hashlib.sha256(django.get_version().encode())
    for key in sorted(loader.disk_migrations):
        module = sys.modules[type(loader.disk_migrations[key]).__module__]
        digest.update(repr(key).encode())
        digest.update(Path(module.__file__).read_bytes())
        for value in vars(module).values():
            if isinstance(value, Path) and value.is_file():
                digest.update(value.read_bytes())
    return digest.hexdigest()[:20]


def _empty_in_memory(options) -> bool:
    """Only the test runner's own migrate of a new in-memory database: a test that calls
    migrate itself, with an app or a target, or on a database with tables, runs it for real."""
    if options.get("app_label") or options.get("migration_name") or options.get("plan"):
        return False
    connection = connections[options["database"]]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return False
    return not connection.introspection.table_names()


def _prune(*, keep: Path, newest: int = 3) -> None:
    """Snapshots of earlier migrations, but the few newest (a branch switched back to)."""
    others = sorted(
        (path for path in SNAPSHOTS.glob("*.sqlite3") if path != keep),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for path in others[newest - 1 :]:
        path.unlink(missing_ok=True)


@contextmanager
def migrate_from_snapshot():
    """While open, ``migrate`` into an empty in-memory SQLite database restores the
    snapshot of these migrations, or migrates and keeps a snapshot for the next run."""
    real_handle = migrate.Command.handle

    def handle(command, *args, **options):
        if not _empty_in_memory(options):
            return real_handle(command, *args, **options)
        digest = migrations_digest()
        if digest is None:
            return real_handle(command, *args, **options)
        connection = connections[options["database"]]
        snapshot = SNAPSHOTS / f"{digest}.sqlite3"
        connection.ensure_connection()
        if snapshot.is_file():
            with closing(sqlite3.connect(snapshot)) as source:
                source.backup(connection.connection)
            return None
        real_handle(command, *args, **options)
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        # written aside and renamed: two runs starting at once never read half a file
        partial = snapshot.with_suffix(f".{os.getpid()}.partial")
        with closing(sqlite3.connect(partial)) as target:
            connection.connection.backup(target)
        os.replace(partial, snapshot)
        _prune(keep=snapshot)
        return None

    migrate.Command.handle = handle
    try:
        yield
    finally:
        migrate.Command.handle = real_handle
