"""store/schema.sql: the schema the migrations add up to, dumped from a migrated database.

Migrations say how the schema got here; a function redefined three times is read in the
last migration that touched it. schema.sql shows every table, index and function as it now
stands, in one place. tests/store/test_schema.py fails when a migration changes the schema
and schema.sql was not dumped again:

    python -m receipts.store.schema     # rewrites receipts/store/schema.sql

The dump is made with the embedded server's pg_dump (the `pgserver` package), so it reads
the same on every machine. Receipt partitions of particular months are left out: which
months exist depends on the day the database was migrated.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import psycopg

from receipts.store import migrate
from receipts.store.embedded import start_embedded

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
_MONTH_PARTITIONS = "public.receipts_[0-9][0-9][0-9][0-9]_[0-9][0-9]"
# pg_dump's session settings and the versions that made the dump: not part of the schema.
_NOISE = re.compile(r"^(SET |SELECT pg_catalog\.set_config|-- Dumped (from|by) )")
_VERSION = re.compile(r"^-- Dumped from database version (\d+)", re.MULTILINE)


def pg_dump_path() -> Path:
    import pgserver  # imported late, as in store/embedded.py

    return Path(pgserver.pg_config(["--bindir"]).strip()) / "pg_dump"


def dump(url: str) -> str:
    """The schema of the database at `url`, as schema.sql holds it (without a version line)."""
    output = subprocess.run(
        [
            str(pg_dump_path()),
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            f"--exclude-table={_MONTH_PARTITIONS}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return without_version(output)


def server_major_version(conn: psycopg.Connection) -> int:
    return conn.info.server_version // 10000


def file_major_version(text: str) -> int | None:
    """The major version of the server schema.sql was dumped from (its first line says)."""
    found = _VERSION.search(text)
    return int(found.group(1)) if found else None


def without_version(text: str) -> str:
    """A dump without pg_dump's session settings and version lines, as the test compares it."""
    lines = [line for line in text.splitlines() if not _NOISE.match(line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def main() -> None:
    """Migrate a new embedded database and write its schema to schema.sql."""
    with tempfile.TemporaryDirectory(prefix="receipts-schema-") as folder:
        url = start_embedded(Path(folder) / "pgdata", cleanup="delete")
        with psycopg.connect(url, autocommit=True) as conn:
            migrate.upgrade(conn)
            major = server_major_version(conn)
        schema = dump(url)
    SCHEMA_FILE.write_text(f"-- Dumped from database version {major}\n\n{schema}")
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
