"""The status table: observed values read as the recognized provider reads them, else by the
vocabularies, success flags, initials, the words beside numeric codes, or the caller's labels.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import Any

from receipts.mapping.catalogue import ProviderEntry
from receipts.mapping.detection.bodies import Column, container_of, path_steps, representable
from receipts.mapping.detection.rules import SUCCESS_KEYS, key_tokens
from receipts.mapping.detection.scoring import FieldGuess, Score
from receipts.mapping.detection.shapes import digit_text
from receipts.mapping.values import status_word
from receipts.mapping.vocabularies import Vocabularies


def read_status_table(
    status: FieldGuess | None,
    columns: dict[str, Column],
    vocabularies: Vocabularies,
    provider: ProviderEntry | None = None,
) -> tuple[dict[str, str], tuple[str, ...], str | None]:
    """Observed status values -> normalized status, read as the recognized provider reads
    them, else as the vocabulary table that knows most of them."""
    if status is None:
        return {}, (), None
    words = [word for word in dict.fromkeys(map(_word, columns[status.path].values)) if word]
    vocabulary = provider.id if provider else vocabularies.best_table(words)
    letters = provider is None and all(len(word) == 1 and word.isalpha() for word in words)
    table: dict[str, str] = {}
    unknown: list[str] = []
    by_neighbour = {} if provider else _codes_read_beside(status.path, columns, vocabularies)
    for word in words:
        if provider is not None:
            normalized = provider.status.get(word.lower())
        else:
            normalized = vocabularies.normalize(word, prefer=vocabulary)
        if normalized is None and word in _FLAGS and _names_success(status.path):
            normalized = _FLAGS[word]
        if normalized is None and letters:
            normalized = _INITIALS.get(word.lower())
        if normalized is None:
            normalized = by_neighbour.get(word)
        if normalized is None:
            unknown.append(word)
        table[word] = normalized or "unknown"
    return table, tuple(unknown), vocabulary


_FLAGS = {"true": "delivered", "false": "failed"}


# Statuses written as one letter (Textlocal's D/U/E, Textmagic's d/f/q): the initial of the
# word, read only when every observed status is a single letter.
_INITIALS = {
    "d": "delivered",
    "f": "failed",
    "u": "failed",
    "e": "failed",
    "x": "failed",
    "j": "failed",
    "q": "queued",
    "p": "queued",
    "s": "sent",
    "a": "sent",
    "b": "sent",
    "r": "sent",
}


def _names_success(path: str) -> bool:
    """A flag's key that says delivery succeeded (``success``, ``isDelivered``)."""
    steps = path_steps(path) or ()
    keys = [step for step in steps if isinstance(step, str)]
    return bool(keys) and "_".join(key_tokens(keys[-1])) in SUCCESS_KEYS


def _codes_read_beside(
    path: str, columns: dict[str, Column], vocabularies: Vocabularies
) -> dict[str, str]:
    """Numeric status codes read by the words beside them: Telesign's `code` 200 next to
    "Delivered to handset", MSG91's `status` 1 next to `desc` DELIVERED. A code is read only
    when every receipt carrying it reads the same in the sibling that explains most codes."""
    status = columns[path]
    codes = {i: _word(v) for i, v in status.by_receipt.items() if digit_text(v) is not None}
    if not codes:
        return {}
    best: dict[str, str] = {}
    for column in columns.values():
        if column is status or container_of(column.steps) != container_of(status.steps):
            continue
        readings: dict[str, set[str | None]] = {}
        for index, code in codes.items():
            value = column.by_receipt.get(index)
            read = vocabularies.normalize(value) if isinstance(value, str) else None
            readings.setdefault(code, set()).add(read)
        found = {c: r.pop() for c, r in readings.items() if len(r) == 1 and None not in r}
        if len(found) > len(best):
            best = found
    return best


def _separation(values: dict[int, Any], labels: Sequence[str | None]) -> float:
    """1 when every labelled receipt has a value and no value carries two labels (and two
    labels at least are seen); -1 otherwise."""
    seen: dict[str, str] = {}
    for index, label in enumerate(labels):
        if label is None:
            continue
        value = _word(values.get(index))
        if not value or seen.setdefault(value, label) != label:
            return -1.0
    return 1.0 if len(set(seen.values())) >= 2 else -1.0


def score_by_labels(
    status: list[Score], columns: dict[str, Column], labels: Sequence[str | None]
) -> None:
    """The labels decide the status: a path whose values separate them gains, others lose."""
    for i, score in enumerate(status):
        moved = score.confidence + 0.5 * _separation(columns[score.path].by_receipt, labels)
        status[i] = dataclasses.replace(score, confidence=max(0.0, min(1.0, moved)))
    status.sort(key=lambda score: (-score.confidence, score.order))


def labelled_table(
    status: FieldGuess, columns: dict[str, Column], labels: Sequence[str | None]
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Each status value -> the label its samples carry (the most common, if several)."""
    votes: dict[str, Counter[str]] = {}
    for index, value in columns[status.path].by_receipt.items():
        word = _word(value)
        if word:
            counts = votes.setdefault(word, Counter())
            if labels[index] is not None:
                counts[labels[index]] += 1
    table = {
        word: counts.most_common(1)[0][0] if counts else "unknown" for word, counts in votes.items()
    }
    return table, tuple(word for word, counts in votes.items() if not counts)


def _word(value: Any) -> str:
    """A status value as a table key (the word of ``"WORD | text"``, ``true`` for a flag); ""
    for values a status table cannot hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str | int | float):
        return ""
    text = status_word(value) if isinstance(value, str) else str(value)
    return text if representable(text) and len(text) <= 256 else ""
