"""The normalized status words: what every receipt says happened, whatever the provider.

The database allows exactly these (the CHECK on `receipts.status`), in this order of rank;
tests/store/test_check_constraints.py keeps the two the same.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNKNOWN = "unknown"


STATUSES: tuple[Status, ...] = tuple(Status)
# A message with one of these has its outcome (unless its mapping marks the word interim).
FINAL_STATUSES = frozenset({Status.DELIVERED, Status.READ, Status.FAILED})
# What counts as delivered in a delivery rate: reaching the handset, or being read there.
DELIVERED_STATUSES = (Status.DELIVERED, Status.READ)
