"""The retry policy: seconds at first, hours later, dead after 12 attempts or a day."""

from __future__ import annotations

import random

import pytest

from receipts.forwarding.backoff import RetryPolicy, decide
from receipts.forwarding.client import MoEngageReply, retry_after_seconds

POLICY = RetryPolicy()
RNG = random.Random(1)


def test_first_retries_wait_about_one_two_four_eight_seconds():
    assert [POLICY.ceiling(attempt) for attempt in (1, 2, 3, 4)] == [1, 2, 4, 8]


def test_later_retries_wait_hours():
    assert POLICY.ceiling(9) >= 3600
    assert POLICY.ceiling(11) == POLICY.max_delay == 12 * 3600


def test_full_jitter_waits_between_zero_and_the_ceiling():
    delays = [decide(MoEngageReply(500), 4, 0, POLICY, RNG).delay for _ in range(200)]
    assert 0 <= min(delays) < 1
    assert 7 < max(delays) <= 8


def test_twelve_attempts_then_dead():
    assert decide(MoEngageReply(500), 11, 0, POLICY, RNG).state == "pending"
    assert decide(MoEngageReply(500), 12, 0, POLICY, RNG).state == "dead"
    assert decide(MoEngageReply(None, "timeout: ReadTimeout"), 12, 0, POLICY, RNG).state == "dead"


def test_dead_once_the_day_is_over_and_the_last_retry_lands_inside_it():
    assert decide(MoEngageReply(500), 3, 24 * 3600, POLICY, RNG).state == "dead"
    last = decide(MoEngageReply(500), 10, 24 * 3600 - 60, POLICY, RNG)
    assert last.state == "pending"
    assert last.delay <= 60


def test_ceilings_of_eleven_retries_cover_a_day():
    assert sum(POLICY.ceiling(attempt) for attempt in range(1, 12)) >= 24 * 3600


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
def test_a_refusal_retrying_cannot_fix_is_dead_after_three_tries(status):
    assert decide(MoEngageReply(status), 2, 0, POLICY, RNG).state == "pending"
    assert decide(MoEngageReply(status), 3, 0, POLICY, RNG).state == "dead"


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured_and_costs_no_attempt(status):
    decision = decide(MoEngageReply(status, retry_after=120), 12, 0, POLICY, RNG)
    assert (decision.state, decision.delay, decision.refund) == ("pending", 120, True)


def test_503_without_retry_after_backs_off_like_any_failure():
    decision = decide(MoEngageReply(503), 1, 0, POLICY, RNG)
    assert decision.state == "pending"
    assert decision.delay <= 1
    assert not decision.refund


def test_an_unsendable_body_is_dead_at_once():
    assert decide(MoEngageReply(None, "too big", permanent=True), 1, 0, POLICY, RNG).state == "dead"


def test_success_is_done():
    assert decide(MoEngageReply(202), 1, 0, POLICY, RNG).state == "done"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0.5", 0.5),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("soon", None),
        ("-1", None),
        ("nan", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_or_an_http_date(header, seconds):
    now = 1445412480.0  # 07:28:00 on that day
    assert retry_after_seconds(header, now=now) == seconds
