"""recipient_country(): the country of the longest calling-code prefix, without joins."""

from __future__ import annotations

import psycopg
import pytest

# The definition recipient_country() must keep: the longest prefix of the number that the
# table holds (what 0003 computed with a lookup per row).
LONGEST_PREFIX = """
SELECT country FROM calling_prefixes
WHERE %(n)s LIKE '+%%' AND prefix IN (
    substr(%(n)s, 2, 1), substr(%(n)s, 2, 2), substr(%(n)s, 2, 3), substr(%(n)s, 2, 4),
    substr(%(n)s, 2, 5), substr(%(n)s, 2, 6), substr(%(n)s, 2, 7))
ORDER BY length(prefix) DESC
LIMIT 1"""


def numbers_near_every_prefix(conn: psycopg.Connection) -> list[str]:
    """Each prefix bare, followed by low and high digits, and cut one digit short."""
    prefixes = [row[0] for row in conn.execute("SELECT prefix FROM calling_prefixes")]
    numbers = ["", "+", "6591234567", "+0", "+2", "+8", "+999"]
    for prefix in prefixes:
        numbers += [f"+{prefix}", f"+{prefix}0000000", f"+{prefix}9999999", f"+{prefix[:-1]}5"]
    return numbers


def test_recipient_country_is_the_country_of_the_longest_prefix(migrated):
    with psycopg.connect(migrated, autocommit=True) as conn:
        for number in numbers_near_every_prefix(conn):
            expected = conn.execute(LONGEST_PREFIX, {"n": number}).fetchone()
            found = conn.execute("SELECT recipient_country(%s)", (number,)).fetchone()[0]
            assert found == (expected[0] if expected else None), number


@pytest.mark.parametrize(("number", "country"), [("+12045551234", "CA"), ("+12125551234", "US")])
def test_north_american_numbers_split_by_area_code(migrated, number, country):
    with psycopg.connect(migrated, autocommit=True) as conn:
        assert conn.execute("SELECT recipient_country(%s)", (number,)).fetchone()[0] == country


def test_a_changed_prefix_table_changes_the_country(migrated):
    with psycopg.connect(migrated) as conn:  # rolled back on leaving: the table is shared
        conn.execute("INSERT INTO calling_prefixes (prefix, country) VALUES ('1555', 'XX')")
        assert conn.execute("SELECT recipient_country('+15551234567')").fetchone()[0] == "XX"
        conn.rollback()
