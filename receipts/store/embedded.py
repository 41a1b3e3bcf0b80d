"""An embedded PostgreSQL (the `pgserver` package) for a machine that has none.

With `DATABASE_URL` unset, the service, the CLI and the tests start one with its data in
`RECEIPTS_DATA_DIR`; the server stops when the last process using it exits.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from receipts.config import Config


def start_embedded(pgdata: Path, cleanup: str | None = "stop") -> str:
    """Start (or join) the embedded server with data in `pgdata`; returns its URL."""
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset and falls back to /tmp: fine here
        warnings.simplefilter("ignore")
        import pgserver  # imported late: only the embedded case pays for it

        server = pgserver.get_server(pgdata, cleanup_mode=cleanup)
    return server.get_uri()


def database_url(config: Config) -> str:
    """The configured server, or the embedded one under the data dir."""
    if config.database_url:
        return config.database_url
    return start_embedded(config.data_dir.resolve() / "pgdata")


@contextmanager
def scratch_database(server_url: str, prefix: str = "receipts_scratch") -> Iterator[str]:
    """A new, empty database on an existing server, dropped afterwards (tests, benchmarks)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(server_url)
    info["dbname"] = name
    try:
        yield psycopg.conninfo.make_conninfo(**info)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
