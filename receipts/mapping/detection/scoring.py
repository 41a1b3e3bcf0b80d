"""Scoring every path for every field on names, shapes, behaviour and proximity, and giving
each path to at most one field, most confident first.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from receipts.mapping.detection.bodies import Column, container_of
from receipts.mapping.detection.rules import (
    DETECTED_FIELDS,
    REASON_KEYS,
    THRESHOLD,
    WEIGHTS,
    key_context,
    name_score,
)
from receipts.mapping.detection.shapes import (
    channel_shape,
    client_id_shape,
    currency_shape,
    detail_shape,
    error_code_shape,
    error_message_shape,
    id_shape,
    is_iso_time,
    opaque_id,
    price_shape,
    reason_words,
    recipient_shape,
    segments_shape,
    sender_shape,
    status_shape,
    time_shape,
)
from receipts.mapping.vocabularies import Vocabularies


@dataclass(frozen=True)
class FieldGuess:
    """The path chosen for a field, how sure detection is, and the next best path."""

    path: str
    confidence: float
    runner_up: str | None = None
    runner_up_confidence: float = 0.0


def _distinct(values: list[Any]) -> int:
    return len({(type(value), value) for value in values})


def _varies_like_an_id(values: list[Any]) -> float:
    """Ids differ per message; a couple of receipts of one message may share one."""
    distinct = _distinct(values)
    if distinct == 1:
        return -1.0 if len(values) >= 3 else -0.3
    return max(-1.0, min(1.0, (distinct / len(values) - 0.3) / 0.5))


def _few_values(values: list[Any]) -> float:
    """Statuses, channels and currencies take few values, and a status more than one."""
    distinct = _distinct(values)
    if distinct == 1:
        return 0.0
    if distinct == len(values) and len(values) >= 5:
        return -0.5
    return 1.0


def _repeats(values: list[Any]) -> float:
    """A sender repeats across one brand's messages."""
    return 1.0 if _distinct(values) * 2 <= len(values) else 0.0


def _changes(values: list[Any]) -> float:
    """Event times change from receipt to receipt."""
    distinct = _distinct(values)
    if distinct == 1 and len(values) >= 3:
        return -1.0
    return distinct / len(values)


def _not_constant(values: list[Any]) -> float:
    """An error text that never changes is a description of the webhook, not an error."""
    return -0.5 if _distinct(values) == 1 and len(values) >= 3 else 0.0


def _half(behaviour: Callable[[list[Any]], float]) -> Callable[[list[Any]], float]:
    return lambda values: behaviour(values) / 2


@dataclass(frozen=True)
class _Evidence:
    """How one field's values look and behave."""

    shape: Callable[[Any, Vocabularies], float]
    behaviour: Callable[[list[Any]], float] | None = None


def _plain(shape: Callable[[Any], float]) -> Callable[[Any, Vocabularies], float]:
    return lambda value, vocabularies: shape(value)


_EVIDENCE: dict[str, _Evidence] = {
    "message_id": _Evidence(id_shape, _varies_like_an_id),
    "client_message_id": _Evidence(client_id_shape, _half(_varies_like_an_id)),
    "status": _Evidence(status_shape, _few_values),
    "detail": _Evidence(detail_shape, _few_values),
    "event_at": _Evidence(_plain(time_shape), _changes),
    "recipient": _Evidence(_plain(recipient_shape)),
    "sender": _Evidence(_plain(sender_shape), _repeats),
    "error_code": _Evidence(_plain(error_code_shape)),
    "error_message": _Evidence(_plain(error_message_shape), _not_constant),
    "channel": _Evidence(_plain(channel_shape), _few_values),
    "price": _Evidence(_plain(price_shape)),
    "currency": _Evidence(_plain(currency_shape), _half(_few_values)),
    "segments": _Evidence(_plain(segments_shape)),
    "batch_id": _Evidence(client_id_shape),
    "client_batch_id": _Evidence(client_id_shape),
}


@dataclass(frozen=True)
class Score:
    path: str
    confidence: float
    order: int
    named: float  # the name evidence alone


def _shape_score(field_name: str, column: Column, vocabularies: Vocabularies) -> float:
    """The mean shape score over the column's values; 0 (no evidence) when it has none."""
    counts = Counter((type(value), value) for value in column.values)
    if not counts:
        return 0.0
    shape = _EVIDENCE[field_name].shape
    total = sum(shape(value, vocabularies) * n for (_, value), n in counts.items())
    return total / sum(counts.values())


def _behaviour_score(field_name: str, column: Column) -> float:
    behaviour = _EVIDENCE[field_name].behaviour
    values = column.values
    return behaviour(values) if behaviour is not None and len(values) >= 2 else 0.0


def _proximity(steps: tuple[str | int, ...], status_steps: tuple[str | int, ...]) -> float:
    """1 for a sibling of the status, less the further apart the two containers are."""
    here, there = container_of(steps), container_of(status_steps)
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    return 1.0 / (1 + len(here) + len(there) - 2 * common)


def score_columns(columns: dict[str, Column], vocabularies: Vocabularies) -> dict[str, list[Score]]:
    """Every field's candidate paths, best first."""
    raw: dict[str, dict[str, float]] = {name: {} for name in DETECTED_FIELDS}
    named_by: dict[tuple[str, str], float] = {}
    receipts = 1 + max((i for c in columns.values() for i in c.by_receipt), default=-1)
    for column in columns.values():
        context = key_context(column.steps)
        # A receipt without a status cannot be stored: a path that only some receipts carry
        # (Prelude's payload.status, on failures) is not where the status is.
        coverage = len(column.by_receipt) / receipts if receipts else 1.0
        for name in DETECTED_FIELDS:
            named = name_score(name, context)
            confidence = (
                WEIGHTS.name * named
                + WEIGHTS.shape * _shape_score(name, column, vocabularies)
                + WEIGHTS.behaviour * _behaviour_score(name, column)
            )
            if name == "status":
                confidence *= coverage
            if confidence > 0:
                raw[name][column.path] = confidence
                named_by[name, column.path] = named
    status = max(raw["status"].items(), key=lambda item: item[1], default=None)
    if status is not None and status[1] >= THRESHOLD:
        status_steps = columns[status[0]].steps
        for name in DETECTED_FIELDS:
            if name == "status":
                continue
            for path in raw[name]:
                bonus = WEIGHTS.proximity * _proximity(columns[path].steps, status_steps)
                raw[name][path] += bonus
    return {
        name: sorted(
            (
                Score(path, max(0.0, min(1.0, c)), columns[path].order, named_by[name, path])
                for path, c in found.items()
            ),
            key=lambda score: (-score.confidence, score.order),
        )
        for name, found in raw.items()
    }


def assign_paths(
    scores: dict[str, list[Score]],
    columns: dict[str, Column],
    known: dict[str, str] | None = None,
) -> tuple[dict[str, FieldGuess], dict[str, FieldGuess]]:
    """Give each path to at most one field, most confident pairs first; ``known`` paths (a
    recognized provider's) are given first, with full confidence."""
    for name, path in (known or {}).items():
        others = [score for score in scores[name] if score.path != path]
        scores[name] = [Score(path, 1.0, columns[path].order, 1.0), *others]
    priority = {name: i for i, name in enumerate(DETECTED_FIELDS)}
    pairs = sorted(
        ((score, name) for name, found in scores.items() for score in found),
        key=lambda pair: (-pair[0].confidence, priority[pair[1]], pair[0].order),
    )
    chosen: dict[str, str] = dict(known or {})
    for score, name in pairs:
        if score.confidence < THRESHOLD:
            break
        if name in chosen or score.path in chosen.values():
            continue
        if score.named < 0.5 and _repeats_a_chosen_path(score.path, chosen.values(), columns):
            continue
        chosen[name] = score.path
    if "message_id" not in chosen:
        unique = _unique_id(scores["message_id"], columns, chosen.values())
        if unique is not None:
            chosen["message_id"] = unique.path
            scores["message_id"] = [unique, *scores["message_id"]]
    if "event_at" not in chosen:
        only = _only_time(scores["event_at"], columns, chosen.values())
        if only is not None:
            chosen["event_at"] = only.path
            scores["event_at"] = [only, *scores["event_at"]]
    for holder in ("error_message", "detail"):
        path = chosen.get(holder)
        if "error_code" in chosen or path is None or not reason_words(columns[path].values):
            continue
        if holder == "detail" and not REASON_KEYS.intersection(key_context(columns[path].steps)):
            continue
        # A reason given as a word (InsufficientBalance, unknown_recipient) is the code.
        chosen["error_code"] = chosen.pop(holder)
        scores["error_code"] = [s for s in scores[holder] if s.path == path]
    if "message_id" not in chosen and "batch_id" in chosen:
        # Sinch names its per-recipient report by the batch: with no other id, that is it.
        chosen["message_id"] = chosen.pop("batch_id")
        scores["message_id"] = [
            Score(s.path, s.confidence, s.order, s.named) for s in scores["batch_id"]
        ]
    if "message_id" not in chosen and "client_message_id" in chosen:
        # Textlocal's receipt carries only the sender's own id: that is the message's id.
        chosen["message_id"] = chosen.pop("client_message_id")
        scores["message_id"] = list(scores["client_message_id"])
    taken = set(chosen.values())
    fields: dict[str, FieldGuess] = {}
    candidates: dict[str, FieldGuess] = {}
    for name in DETECTED_FIELDS:
        mine = chosen.get(name)
        free = [s for s in scores[name] if s.path == mine or s.path not in taken]
        if not free:
            continue
        best = next((s for s in free if s.path == mine), free[0])
        runner = next((s for s in free if s.path != best.path), None)
        guess = FieldGuess(
            path=best.path,
            confidence=round(best.confidence, 3),
            runner_up=runner.path if runner else None,
            runner_up_confidence=round(runner.confidence, 3) if runner else 0.0,
        )
        candidates[name] = guess
        if mine is not None:
            fields[name] = guess
    return fields, candidates


def _only_time(
    candidates: list[Score], columns: dict[str, Column], taken: Iterable[str]
) -> Score | None:
    """With no key named for the event time, the one path whose every value is a time (ISO
    8601 or epoch), in every receipt, is it (Z-API's `momment`); two such paths, none."""
    receipts = 1 + max((i for c in columns.values() for i in c.by_receipt), default=-1)
    used = set(taken)
    times = [
        score
        for score in candidates
        if score.path not in used
        and len(columns[score.path].values) == receipts
        and all(time_shape(value) >= 0.8 for value in columns[score.path].values)
    ]
    if len(times) != 1:
        return None
    only = times[0]
    return Score(only.path, min(1.0, only.confidence + WEIGHTS.name / 2), only.order, 0.5)


def _unique_id(
    candidates: list[Score], columns: dict[str, Column], taken: Iterable[str]
) -> Score | None:
    """With no key named for the message id, a path whose values are opaque ids (UUIDs,
    hex, tokens with digits), present in every receipt and never the same twice, is it: the
    message id is chosen by shape and uniqueness, not by name alone. Needs two receipts."""
    receipts = 1 + max((i for c in columns.values() for i in c.by_receipt), default=-1)
    if receipts < 2:
        return None
    used = set(taken)
    for score in candidates:
        column = columns[score.path]
        values = column.values
        if score.path in used or len(values) != receipts or _distinct(values) != receipts:
            continue
        if all(opaque_id(value) for value in values):
            return Score(
                score.path, min(1.0, score.confidence + WEIGHTS.name / 2), score.order, 0.5
            )
    return None


def _repeats_a_chosen_path(path: str, chosen: Iterable[str], columns: dict[str, Column]) -> bool:
    """A path that only looks like a field and repeats the values of a path already chosen
    (``SmsSid`` beside ``MessageSid``) is that other field again, not this one."""
    mine = columns[path].by_receipt
    for other in chosen:
        theirs = columns[other].by_receipt
        if mine and mine.keys() == theirs.keys() and all(_equal(mine[i], theirs[i]) for i in mine):
            return True
    return False


def _equal(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def naive_times(event_at: FieldGuess | None, columns: dict[str, Column]) -> bool:
    """Whether the event times are written without a zone (``2026-11-24 08:30:01``)."""
    if event_at is None:
        return False
    for value in columns[event_at.path].values:
        if isinstance(value, str) and is_iso_time(value):
            with contextlib.suppress(ValueError):
                if datetime.fromisoformat(value.replace("z", "Z")).tzinfo is None:
                    return True
    return False
