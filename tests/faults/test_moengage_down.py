"""MoEngage down for a while, then back: every outcome arrives, none is given up."""

from __future__ import annotations

import pytest

from receipts.forwarding.backoff import RetryPolicy
from tests.support.forwarders import enqueue_outcomes
from tests.support.waiting import wait_for

# Millisecond backoff with room for a long outage: attempts are not what runs out here.
PATIENT = RetryPolicy(base=0.001, max_delay=0.05, max_attempts=10_000, max_age=60.0)


def tried_at_least(db, attempts: int) -> bool:
    return db.execute("SELECT min(attempts) >= %s FROM forwards", (attempts,)).fetchone()[0]


@pytest.mark.parametrize("outage", ["connection refused", "503"])
def test_everything_arrives_after_moengage_comes_back(db, moengage, forwarders, outage):
    if outage == "503":
        moengage.behave(status=503)
    else:
        moengage.go_down()
    umids = enqueue_outcomes(db, 40)
    forwarders(policy=PATIENT)
    wait_for(lambda: tried_at_least(db, 3))
    assert moengage.accepted() == []

    if outage == "503":
        moengage.behave(status=200)
    else:
        moengage.come_back()
    wait_for(lambda: db.execute("SELECT bool_and(state = 'done') FROM forwards").fetchone()[0])
    assert set(moengage.accepted_ids()) == umids
    assert max(moengage.accepted_ids().values()) == 1
