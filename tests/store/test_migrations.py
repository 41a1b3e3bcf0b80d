"""`receipts db upgrade`: idempotent, and safe when two processes run it at once."""

from __future__ import annotations

import threading

import psycopg

from receipts.store import migrate
from tests.support.postgres import EmbeddedPostgres


def test_upgrade_twice_applies_nothing_the_second_time(migrated):
    with psycopg.connect(migrated, autocommit=True) as conn:
        assert migrate.upgrade(conn) == []
        assert migrate.current_version(conn) == migrate.latest_version()


def test_concurrent_upgrades_apply_each_migration_once(tmp_path):
    url = EmbeddedPostgres(tmp_path / "pgdata").url
    applied: list[int] = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                applied.extend(m.version for m in migrate.upgrade(conn))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(applied) == [m.version for m in migrate.migrations()]


def test_coming_months_have_receipt_partitions(migrated):
    with psycopg.connect(migrated) as conn:
        names = {
            row[0]
            for row in conn.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = 'receipts'::regclass"
            )
        }
        ahead = conn.execute(
            "SELECT to_char(date_trunc('month', now()) + interval '3 months', 'YYYY_MM')"
        ).fetchone()[0]
    assert "receipts_default" in names
    assert f"receipts_{ahead}" in names
