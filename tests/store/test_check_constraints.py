"""The words Python names are exactly the words the database's CHECK constraints allow."""

from __future__ import annotations

import re

import psycopg

from receipts.mapping.status import Status
from receipts.store.forwards import ForwardState

_ALLOWED = """
SELECT pg_get_constraintdef(c.oid)
FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
WHERE c.contype = 'c' AND c.conrelid = %s::regclass AND a.attname = %s"""


def allowed(conn: psycopg.Connection, table: str, column: str) -> list[str]:
    """The quoted words of the column's CHECK, in the order the constraint lists them."""
    (definition,) = conn.execute(_ALLOWED, (table, column)).fetchone()
    return re.findall(r"'([^']*)'", definition)


def test_status_enum_is_what_receipts_status_allows(migrated):
    with psycopg.connect(migrated, autocommit=True) as conn:
        assert allowed(conn, "receipts", "status") == [status.value for status in Status]


def test_forward_state_enum_is_what_forwards_state_allows(migrated):
    with psycopg.connect(migrated, autocommit=True) as conn:
        assert allowed(conn, "forwards", "state") == [state.value for state in ForwardState]
