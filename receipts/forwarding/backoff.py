"""When to try a forward again, and when to give up: the retry policy as a pure function.

Retries wait a random time between 0 and a ceiling ("full jitter"), so workers that failed
together do not come back together. The ceiling doubles from `base` for the first retries
(about 1, 2, 4, 8 s: a briefly flaky MoEngage costs seconds), then grows `growth` times per
retry up to `max_delay` (hours). A forward is dead after `max_attempts` attempts or once its
retry window (`max_age`) is over; the last retry is pulled in to land inside the window.
With the defaults the 11 retries' ceilings add up to about 33 hours and the window is 24
hours: 12 attempts over at most a day (about 16 hours on average, with the jitter).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from receipts.forwarding.client import MoEngageReply
from receipts.store.forwards import ForwardState

# Answers that retrying cannot fix: a few tries (a misconfiguration fixed in minutes), then dead.
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 413})
# Answers that say "later", and may say when.
THROTTLED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base: float = 1.0
    doublings: int = 4
    growth: float = 5.0
    max_delay: float = 12 * 3600.0
    max_attempts: int = 12
    max_age: float = 24 * 3600.0
    permanent_attempts: int = 3
    max_retry_after: float = 3600.0

    def ceiling(self, attempts: int) -> float:
        """The longest wait after the `attempts`-th failed attempt (1-based)."""
        step = max(attempts - 1, 0)
        doubling = min(step, self.doublings - 1)
        ceiling = self.base * 2.0**doubling * self.growth ** max(step - doubling, 0)
        return min(ceiling, self.max_delay)


@dataclass(frozen=True, slots=True)
class Decision:
    """`done`, `pending` (try again after `delay` s) or `dead`."""

    state: ForwardState
    delay: float = 0.0
    refund: bool = False


def decide(
    answer: MoEngageReply, attempts: int, age: float, policy: RetryPolicy, rng: random.Random
) -> Decision:
    """What to do with a forward after its `attempts`-th try, `age` s into its window."""
    status = answer.http_status
    if status is not None and 200 <= status < 300:
        return Decision(ForwardState.DONE)
    if answer.permanent:
        return Decision(ForwardState.DEAD)
    if status in PERMANENT_STATUSES:
        limit = min(policy.permanent_attempts, policy.max_attempts)
        if attempts >= limit:
            return Decision(ForwardState.DEAD)
        return _within_window(rng.uniform(0, policy.ceiling(attempts)), age, policy)
    if status in THROTTLED_STATUSES and answer.retry_after is not None:
        # MoEngage asked for a pause: honour it, and it does not use up an attempt.
        delay = min(max(answer.retry_after, 0.0), policy.max_retry_after)
        return _within_window(delay, age, policy, refund=True)
    if attempts >= policy.max_attempts:
        return Decision(ForwardState.DEAD)
    return _within_window(rng.uniform(0, policy.ceiling(attempts)), age, policy)


def _within_window(delay: float, age: float, policy: RetryPolicy, refund: bool = False) -> Decision:
    if age >= policy.max_age:
        return Decision(ForwardState.DEAD)
    return Decision(ForwardState.PENDING, min(delay, policy.max_age - age), refund)
