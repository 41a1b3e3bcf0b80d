"""Status vocabularies: the delivery-status values providers use, and what each one means.

The values live in the provider catalogue (``providers/*.toml``, one ``[status]`` table per
provider: words, numeric codes, letters, event names), so that adding a provider's word is a
one-line change reviewed like any mapping file. Lookups ignore case.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from receipts.mapping.catalogue import Catalogue, load_catalogue
from receipts.mapping.values import status_word


@dataclass(frozen=True)
class Vocabularies:
    """Provider tables of lower-cased word -> normalized status, in file order."""

    tables: Mapping[str, Mapping[str, str]]
    consensus: Mapping[str, str]  # word -> its most common reading across providers

    def knows(self, word: str) -> bool:
        return word.lower() in self.consensus

    def normalize(self, word: str, prefer: str | None = None) -> str | None:
        """The status a word means: the preferred provider's reading first, else the most
        common reading across providers, else what its stems say (``read_word``); None when
        nothing reads it."""
        word = status_word(word)
        lowered = word.lower()
        if prefer is not None and lowered in self.tables.get(prefer, {}):
            return self.tables[prefer][lowered]
        return self.consensus.get(lowered) or read_word(word)

    def reading(self, prefer: str | None = None) -> dict[str, str]:
        """Every known word -> its status, as ``normalize`` reads it: the preferred provider's
        table over the consensus. A complete status table for words not seen yet."""
        return {**self.consensus, **(self.tables.get(prefer, {}) if prefer else {})}

    def best_table(self, words: Iterable[str]) -> str | None:
        """The provider whose table knows most of these words (first in file order on a tie)."""
        lowered = {word.lower() for word in words}
        best, best_count = None, 0
        for name, table in self.tables.items():
            count = sum(1 for word in lowered if word in table)
            if count > best_count:
                best, best_count = name, count
        return best


# The general reading of status words no provider table holds, by their stems. Failure words
# are tested first, so "undelivered", "not_delivered" and "delivery_failed" read as failed.
_STEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), status)
    for pattern, status in (
        (r"un_?deliv|(?:not|non|no)_?(?:deliv|sent)|undeliverable", "failed"),
        (
            r"fail|reject|expir|error|bounce|block|invalid|unreachable|drop|cancel|abort|"
            r"delete|spam|opt_?out|refus|denied|undeliv|blacklist|unknown_subscriber|"
            r"(?:^|_)dnd(?:_|$)|do_not_disturb",
            "failed",
        ),
        (r"(?:^|_)(?:read|seen|opened|viewed)(?:_|$)", "read"),
        (r"unconfirmed|no_?dlr|awaited|to_(?:gateway|smsc|carrier|network)", "sent"),
        (r"(?:^|_)ack(?:_|$)|acknowledg", "sent"),
        (r"deliv|success|succeed|complete|received_by|on_handset", "delivered"),
        (
            r"(?:^|_)sent(?:_|$)|submit|accept|enroute|en_route|dispatch|forward|buffer|"
            r"transit|transmit|unconfirmed|to_carrier|to_operator",
            "sent",
        ),
        (r"queue|pending|schedul|sending|process|created|waiting|new(?:_|$)", "queued"),
        (r"(?:^|_)unknown(?:_|$)", "unknown"),
    )
)
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_words(text: str) -> str:
    """A value's words, lower-case and joined by `_`, whatever its style:
    ``DeliveredToHandset``, ``_SMS.SUCCESS``, ``Invalid destination`` -> ``invalid_destination``."""
    return _SEPARATORS.sub("_", _CAMEL.sub("_", text).lower()).strip("_")


@lru_cache(maxsize=4096)
def read_word(word: str) -> str | None:
    """What a status word no table knows most likely means, read by its stems
    (``TEXT_DELIVERED``, ``_SMS.SUCCESS``, ``message-failed``, ``DeliveredToHandset``);
    None for anything else, numbers and single letters included."""
    if len(word) < 3 or len(word) > 64 or not any(c.isalpha() for c in word):
        return None
    joined = snake_words(word)
    return next((status for pattern, status in _STEMS if pattern.search(joined)), None)


def _consensus(tables: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    readings: dict[str, Counter[str]] = {}
    for table in tables.values():
        for word, status in table.items():
            readings.setdefault(word, Counter())[status] += 1
    # Counter.most_common keeps first-seen order on ties, i.e. file order.
    return {word: counts.most_common(1)[0][0] for word, counts in readings.items()}


@lru_cache(maxsize=64)
def vocabularies_of(catalogue: Catalogue) -> Vocabularies:
    """The status words of a catalogue's providers, and their consensus. Numeric codes and
    single letters are left out: 2 is queued at one provider and failed at the next, so
    only a recognized provider's own table may read them."""
    tables = {
        pid: {word: status for word, status in entry.status.items() if _is_word(word)}
        for pid, entry in catalogue.providers.items()
    }
    tables = {pid: table for pid, table in tables.items() if table}
    return Vocabularies(tables, _consensus(tables))


def _is_word(value: str) -> bool:
    return len(value) > 1 and not value.isdigit()


def load_vocabularies() -> Vocabularies:
    """The vocabularies of the catalogue shipped with the package (read once per process)."""
    return vocabularies_of(load_catalogue())
