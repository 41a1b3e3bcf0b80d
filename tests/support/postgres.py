"""PostgreSQL for the tests: an embedded server a test may stop and start, and the one list
of tables emptied between tests."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from receipts.store.embedded import start_embedded

# What a test writes; the `db` fixture empties these before each test that uses it.
TEST_TABLES = ("forwards", "receipts", "messages", "webhook_bodies", "detected_mappings")
# The hourly rollup, which the report tests (the `reports_db` fixture) also start without.
ROLLUP_TABLES = ("message_rollup_hourly",)


def empty_tables(conn: psycopg.Connection, tables: tuple[str, ...] = TEST_TABLES) -> None:
    """TRUNCATE `tables`, ids starting again at 1."""
    names = sql.SQL(", ").join(sql.Identifier(table) for table in tables)
    conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(names))


def stored_bodies(conn: psycopg.Connection) -> list[tuple[bytes, str]]:
    """Every webhook body stored, with its outcome, oldest first."""
    return conn.execute("SELECT body, outcome FROM webhook_bodies ORDER BY id").fetchall()


def empty_rollup(conn: psycopg.Connection) -> None:
    """The rollup as before its first build: no rows, no watermark."""
    empty_tables(conn, ROLLUP_TABLES)
    conn.execute("UPDATE message_rollup_state SET watermark = NULL")


class EmbeddedPostgres:
    """A pgserver instance the test owns, so it may stop and start it at will."""

    def __init__(self, pgdata: Path) -> None:
        self.url = start_embedded(pgdata, cleanup="delete")
        import pgserver

        self._server = pgserver.get_server(pgdata)

    def stop(self) -> None:
        import pgserver

        pgserver.pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self._server.pgdata, user=self._server.system_user
        )

    def start(self) -> None:
        self._server.ensure_postgres_running()
