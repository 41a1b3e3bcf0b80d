"""Why a message failed, in one vocabulary across providers, and whether retrying is pointless.

A failed receipt carries the provider's own code and text; this module reads them into one of
``catalogue.REASON_CATEGORIES`` and a permanence flag, as django-anymail reads every email
provider's bounces into one ``reject_reason``. It asks, in order:

1. the mapping file's own ``[reasons]`` table;
2. the provider's ``[errors]`` table in the catalogue (``chat:CODE`` entries apply to chat-app
   receipts, where 8x8's code 1 means "no account on this channel", not "phone switched off");
3. the words of the provider's text (``"Invalid destination"``, ``"Message window expired"``);
4. nothing: ``other``, listed by ``receipts mappings try`` so a table can be given.

Permanent means sending to the same recipient again is pointless (a bad number, no account on
the channel, opted out); everything else may succeed later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from receipts.mapping.catalogue import ErrorEntry, ProviderEntry
from receipts.mapping.vocabularies import snake_words

# Categories whose failures mean: stop sending to this recipient.
PERMANENT_CATEGORIES = frozenset({"invalid_number", "not_on_channel", "opted_out"})


@dataclass(frozen=True)
class Reason:
    category: str
    permanent: bool
    known: bool  # read from a table or from words; False: nothing explained it ("other")


UNKNOWN = Reason("other", False, False)

# The general reading of a provider's failure text, first match wins: narrow readings
# ("session expired" is a closed window, not an expired message) before broad ones.
_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), category)
    for pattern, category in (
        (r"window|session_?expired|24_?h|re_?engagement", "window_closed"),
        (
            r"not_(?:on|a|registered_(?:in|on|with))_(?:whatsapp|viber|channel|this_chat)|"
            r"no_(?:whatsapp|viber)|not_exists?_on|does_?not_exists?_on|incapable",
            "not_on_channel",
        ),
        (
            r"opt_?out|unsubscrib|(?:^|_)stop(?:_|$)|(?:^|_)n?dnd(?:_|$)|do_not_disturb|black_?list|"
            r"blocked_by_(?:user|recipient)|user_blocked",
            "opted_out",
        ),
        (r"spam", "spam_filtered"),
        (
            r"credit|balance|insufficient|throttl|rate_?limit|quota|flood|(?:source|sender)_"
            r"(?:address|id)|originator|account|auth|permission|token|policy|suspended",
            "account_problem",
        ),
        (
            r"invalid_(?:destination|number|msisdn|phone|recipient|address|to)|"
            r"(?:unknown|unidentified|illegal)_subscriber|does_?not_exist|unallocated|"
            r"wrong_number|bad_number|permanent_phone",
            "invalid_number",
        ),
        (r"expir|ttl|validity", "expired"),
        (
            r"absent|unreachable|not_reachable|switched_off|phone_off|roaming|busy|memory|"
            r"unavailable|temporar|handset|phone_related",
            "unreachable",
        ),
        (r"content|template|malformed|length|too_long|encoding|media|format", "content_rejected"),
        (
            r"barred|block|deny|denied|screening|reject|carrier|operator|filtered",
            "blocked_by_carrier",
        ),
        (
            r"internal|system|smsc|network|route|routing|timeout|time_out|gateway|server|"
            r"technical|congestion|provider|protocol|retried|upstream",
            "provider_error",
        ),
    )
)


@lru_cache(maxsize=4096)
def read_words(text: str) -> str | None:
    """The category a failure text names (``AbsentSubscriber``, ``Invalid destination``)."""
    joined = snake_words(text[:200])
    return next((category for pattern, category in _WORDS if pattern.search(joined)), None)


def _entry_reason(entry: ErrorEntry) -> Reason:
    permanent = (
        entry.category in PERMANENT_CATEGORIES if entry.permanent is None else entry.permanent
    )
    return Reason(entry.category, permanent, True)


def _spellings(code: str) -> tuple[str, ...]:
    """A numeric code as tables write it: SMPP's `err` is "001" in one gateway, "1" in the next."""
    if not code.isdigit():
        return (code,)
    return tuple(dict.fromkeys((code, code.lstrip("0") or "0", code.zfill(3))))


@dataclass(frozen=True)
class ReasonReader:
    """Reads failures of one mapping: its own table over its provider's."""

    provider: ProviderEntry | None = None
    overrides: Mapping[str, ErrorEntry] | None = None

    def read_failure(
        self,
        error_code: str | None = None,
        provider_error_code: str | None = None,
        detail: str | None = None,
        status: str | None = None,
        error_message: str | None = None,
        channel: str | None = None,
    ) -> Reason:
        """A failed receipt's reason, from its fields: the codes most specific first (the
        error code, the provider's own, the detail, the status), then the provider's words."""
        return self.read(
            (error_code, provider_error_code, detail, status), (error_message, detail), channel
        )

    def read(
        self,
        codes: tuple[str | None, ...],
        texts: tuple[str | None, ...],
        channel: str | None = None,
    ) -> Reason:
        """``codes``: error code, provider error code, detail, status, most specific first;
        ``texts``: the provider's words about the failure."""
        keys = [variant for code in codes if code for variant in _spellings(code.lower())]
        chat = channel is not None and channel != "sms"
        for table in (self.overrides, self.provider.errors if self.provider else None):
            if not table:
                continue
            for key in keys:
                for qualified in (f"{channel}:{key}", f"chat:{key}" if chat else None, key):
                    if qualified and qualified in table:
                        return _entry_reason(table[qualified])
        for text in (*texts, *codes):
            category = read_words(text) if text else None
            if category is not None:
                return Reason(category, category in PERMANENT_CATEGORIES, True)
        return UNKNOWN
