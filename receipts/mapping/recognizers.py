"""Value patterns that both the mapping engine (reading a value) and detection (judging what a
value is) need: one definition each, so the two never disagree on what a UUID or an SMPP date
looks like."""

from __future__ import annotations

import re
from datetime import UTC, datetime

UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
E164 = re.compile(r"\+[1-9]\d{6,14}")


def smpp_time(digits: str) -> datetime | None:
    """SMPP's `done date` (YYMMDDhhmm or YYMMDDhhmmss, UTC) as Twilio and Vonage echo it;
    None for anything else."""
    if len(digits) not in (10, 12) or not digits.isascii() or not digits.isdigit():
        return None
    try:
        return datetime.strptime(
            digits, "%y%m%d%H%M%S" if len(digits) == 12 else "%y%m%d%H%M"
        ).replace(tzinfo=UTC)
    except ValueError:
        return None
