"""Status vocabularies: the delivery-status words providers use, and what each one means.

The words live in ``vocabularies.toml`` (data, one table per provider) so that adding a
provider's word is a one-line change reviewed like any mapping file. Lookups ignore case.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from receipts.mapping.receipt import STATUSES


class VocabularyError(ValueError):
    """The vocabulary file is malformed; str() names the provider table and the word."""


@dataclass(frozen=True)
class Vocabularies:
    """Provider tables of lower-cased word -> normalized status, in file order."""

    tables: Mapping[str, Mapping[str, str]]
    consensus: Mapping[str, str]  # word -> its most common reading across providers

    def knows(self, word: str) -> bool:
        return word.lower() in self.consensus

    def normalize(self, word: str, prefer: str | None = None) -> str | None:
        """The status a word means: the preferred provider's reading first, else the most
        common reading across providers; None when no provider uses the word."""
        lowered = word.lower()
        if prefer is not None and lowered in self.tables.get(prefer, {}):
            return self.tables[prefer][lowered]
        return self.consensus.get(lowered)

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


def _consensus(tables: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    readings: dict[str, Counter[str]] = {}
    for table in tables.values():
        for word, status in table.items():
            readings.setdefault(word, Counter())[status] += 1
    # Counter.most_common keeps first-seen order on ties, i.e. file order.
    return {word: counts.most_common(1)[0][0] for word, counts in readings.items()}


def parse_vocabularies(text: str, source: str = "vocabularies.toml") -> Vocabularies:
    """Check and load vocabulary TOML; raises VocabularyError naming table and word."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise VocabularyError(f"{source}: {error}") from None
    tables: dict[str, dict[str, str]] = {}
    for name, table in document.items():
        if not isinstance(table, dict):
            raise VocabularyError(f"{source}: {name}: expected a table of word = status")
        words: dict[str, str] = {}
        for word, status in table.items():
            if status not in STATUSES:
                raise VocabularyError(f"{source}: {name}.{word}: {status!r} is not a status")
            lowered = word.lower()
            if words.get(lowered, status) != status:
                raise VocabularyError(f"{source}: {name}.{word}: spelled twice, two meanings")
            words[lowered] = status
        tables[name] = words
    return Vocabularies(tables, _consensus(tables))


@cache
def load_vocabularies() -> Vocabularies:
    """The vocabularies shipped with the package (read once per process)."""
    text = resources.files("receipts.mapping").joinpath("vocabularies.toml").read_text("utf-8")
    return parse_vocabularies(text)
