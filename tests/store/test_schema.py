"""store/schema.sql is the schema the migrations make: every live definition in one place."""

from __future__ import annotations

import psycopg
import pytest

from receipts.store import schema


def test_schema_sql_is_what_the_migrations_make(migrated):
    written = schema.SCHEMA_FILE.read_text()
    with psycopg.connect(migrated, autocommit=True) as conn:
        major = schema.server_major_version(conn)
    if major != schema.file_major_version(written):
        pytest.skip(
            f"schema.sql is dumped from PostgreSQL {schema.file_major_version(written)};"
            f" this server is {major}"
        )
    assert schema.dump(migrated) == schema.without_version(written), (
        "a migration changed the schema: run `python -m receipts.store.schema`"
    )


def test_schema_sql_holds_one_live_definition_per_rule():
    written = schema.SCHEMA_FILE.read_text()
    for function in ("moengage_body", "moengage_status", "message_of", "merged_message"):
        assert written.count(f"CREATE FUNCTION public.{function}(") == 1
    # The body MoEngage is sent is spelled out once, in moengage_body.
    assert written.count("'client_message_id', ") == 1
