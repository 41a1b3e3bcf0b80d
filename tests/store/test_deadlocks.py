"""A transaction that loses a real deadlock in PostgreSQL is run again and its work lands."""

from __future__ import annotations

import threading

import psycopg

from receipts.store.deadlocks import run_again_on_deadlock

# Advisory locks take part in PostgreSQL's deadlock detection like row locks do.
LOCK = "SELECT pg_advisory_xact_lock(%s)"


def test_both_sides_of_a_deadlock_complete(migrated):
    both_hold_one = threading.Barrier(2)
    tries = {"a": 0, "b": 0}
    errors: list[BaseException] = []

    def side(name: str, first: int, second: int) -> None:
        with psycopg.connect(migrated, autocommit=True) as conn:
            conn.execute("SET deadlock_timeout = '50ms'")

            def transaction() -> str:
                tries[name] += 1
                with conn.transaction():
                    conn.execute(LOCK, (first,))
                    if tries[name] == 1:
                        both_hold_one.wait(timeout=10)
                    conn.execute(LOCK, (second,))
                return name

            try:
                run_again_on_deadlock(transaction, f"side {name}")
            except BaseException as error:  # reported by the assertion below
                errors.append(error)

    threads = [
        threading.Thread(target=side, args=("a", 1, 2)),
        threading.Thread(target=side, args=("b", 2, 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    # One side lost the deadlock and ran again; the other went through the first time.
    assert sorted(tries.values()) == [1, 2]
