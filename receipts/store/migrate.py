"""SQL migrations: numbered `.sql` files in `migrations/`, applied in order, each once.

An advisory lock serializes concurrent upgraders (two `release` steps, or `serve` beside one),
so running `receipts db upgrade` anywhere, any number of times, is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import psycopg

from receipts.store.retention import ENSURE_PARTITIONS_AHEAD

_CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)"""
_APPLIED_MIGRATIONS = "SELECT version FROM schema_migrations"
_RECORD_MIGRATION = "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)"
_SCHEMA_MIGRATIONS_EXISTS = "SELECT to_regclass('schema_migrations')"
_CURRENT_VERSION = "SELECT max(version) FROM schema_migrations"

_LOCK_KEY = 0x5EC3_1975  # any constant shared by every Receipts process


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    folder = resources.files("receipts.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    return sorted(found, key=lambda migration: migration.version)


def latest_version() -> int:
    return migrations()[-1].version


def upgrade(conn: psycopg.Connection) -> list[Migration]:
    """Apply what is missing, then make sure the coming months have receipt partitions."""
    applied: list[Migration] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(_CREATE_SCHEMA_MIGRATIONS)
        done = {row[0] for row in conn.execute(_APPLIED_MIGRATIONS)}
        for migration in migrations():
            if migration.version not in done:
                conn.execute(migration.sql.encode())
                conn.execute(_RECORD_MIGRATION, (migration.version, migration.name))
                applied.append(migration)
        conn.execute(ENSURE_PARTITIONS_AHEAD)
    return applied


def current_version(conn: psycopg.Connection) -> int | None:
    """The newest applied migration, or None on a database Receipts never upgraded."""
    if conn.execute(_SCHEMA_MIGRATIONS_EXISTS).fetchone()[0] is None:
        return None
    return conn.execute(_CURRENT_VERSION).fetchone()[0]
