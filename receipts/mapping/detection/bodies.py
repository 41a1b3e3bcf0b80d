"""Where the receipts are in the samples: a known provider recognized by its keys, the list
that carries one receipt per item, the kind of body, and the columns (one path's values
across receipts) that scoring reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from receipts.mapping.catalogue import Catalogue, ProviderEntry
from receipts.mapping.detection.rules import (
    BATCH_KEYS,
    DETECTED_FIELDS,
    TYPE_KEYS,
    key_context,
    key_tokens,
    name_score,
)
from receipts.mapping.detection.shapes import WORD, digit_text
from receipts.mapping.paths import (
    MISSING,
    PathSyntaxError,
    compile_path,
    format_steps,
    iter_leaves,
)
from receipts.mapping.vocabularies import Vocabularies

if TYPE_CHECKING:
    from receipts.mapping.detection.scoring import FieldGuess

_MAX_COLUMNS = 2000  # distinct paths considered; bounds the work on hostile samples


def _bodies(samples: Sequence[Any]) -> list[Any]:
    """Top-level arrays are lists of bodies, as the webhook reads them."""
    return [
        body for sample in samples for body in (sample if isinstance(sample, list) else [sample])
    ]


def _items(body: Any, each: str) -> list[Any]:
    if not each:
        return [body]
    items = compile_path(each).split_each()[0].get(body)
    return items if isinstance(items, list) else []


def recognize(samples: Sequence[Any], catalogue: Catalogue) -> ProviderEntry | None:
    """The catalogue provider whose signature keys most bodies carry (the longest signature
    wins a tie), or None: a body that names no known provider falls back to the general rules."""
    bodies = _bodies(samples)
    best: tuple[tuple[int, int], ProviderEntry] | None = None
    for entry in catalogue.providers.values():
        if not entry.signature:
            continue
        signature = [compile_path(path) for path in entry.signature]
        hits = sum(
            1
            for body in bodies
            if any(
                all(path.get(item) not in (MISSING, None) for path in signature)
                for item in _items(body, entry.each)
            )
        )
        if hits and (best is None or (hits, len(signature)) > best[0]):
            best = ((hits, len(signature)), entry)
    return best[1] if best else None


def provider_paths(provider: ProviderEntry | None, columns: dict[str, Column]) -> dict[str, str]:
    """A recognized provider's field paths that the samples hold: field -> column path."""
    if provider is None:
        return {}
    found = {}
    for name, paths in provider.fields.items():
        if name not in DETECTED_FIELDS:
            continue
        for path in paths:
            text = format_steps(compile_path(path).steps)
            if text in columns and columns[text].by_receipt:
                found[name] = text
                break
    return found


def split_receipts(
    samples: Sequence[Any], vocabularies: Vocabularies, provider: ProviderEntry | None = None
) -> tuple[str, list[Any], list[int]]:
    """The `each` path, the receipts it reaches, and the sample each receipt came from; a
    top-level array is a list of receipts."""
    bodies: list[tuple[int, Any]] = []
    for index, sample in enumerate(samples):
        bodies.extend((index, body) for body in (sample if isinstance(sample, list) else [sample]))
    if provider is not None:
        each = provider.each
    else:
        each = _batch_list([body for _, body in bodies], vocabularies)
    receipts: list[Any] = []
    origin: list[int] = []
    for index, body in bodies:
        items = _items(body, each)
        receipts.extend(items)
        origin.extend(index for _ in items)
    return each, receipts, origin


def _batch_list(bodies: list[Any], vocabularies: Vocabularies) -> str:
    """The list (``results[]``) holding each body's status, when bodies batch receipts.

    A list counts when it is where the best status word of most bodies sits, and either some
    body has two items in it or it has a batch-like name (results, statuses, ...): Telnyx's
    one-item ``to`` list of recipients is not a batch.
    """
    votes: Counter[str] = Counter()
    longest: dict[str, int] = {}
    for body in bodies:
        steps = _best_status_steps(body, vocabularies)
        inner = max((i for i, step in enumerate(steps) if isinstance(step, int)), default=None)
        if inner is None:
            votes[""] += 1
            continue
        list_path = format_steps(steps[:inner])
        if list_path and path_steps(list_path) is None:
            list_path = ""  # a list under a key no mapping path can name (" ")
        votes[list_path] += 1
        items = compile_path(list_path).get(body) if list_path else body
        size = len(items) if isinstance(items, list) else 0
        longest[list_path] = max(longest.get(list_path, 0), size)
    if not votes:
        return ""
    list_path, count = votes.most_common(1)[0]
    if not list_path or count * 2 < len(bodies):
        return ""
    keys = [step for step in compile_path(list_path).steps if isinstance(step, str)]
    batch_named = bool(keys) and bool(BATCH_KEYS.intersection(key_tokens(keys[-1])))
    if not _items_carry_ids(bodies, list_path):
        return ""  # a list of per-recipient details (MSG91's report): the envelope is the receipt
    return f"{list_path}[]" if longest[list_path] >= 2 or batch_named else ""


def _items_carry_ids(bodies: list[Any], list_path: str) -> bool:
    """Whether the list's items name an id of their own: a receipt needs its message id."""
    head = compile_path(list_path) if list_path else None
    for body in bodies:
        items = head.get(body) if head else body
        for item in items if isinstance(items, list) else []:
            for text, _ in iter_leaves(item):
                steps = path_steps(text)
                if steps and name_score("message_id", key_context(steps)) >= 0.6:
                    return True
    return False


def _best_status_steps(body: Any, vocabularies: Vocabularies) -> tuple[str | int, ...]:
    """Where a body's status most likely sits: a known status word under a status-like key,
    or a code under a key that plainly names the status."""
    best: tuple[float, tuple[str | int, ...]] = (0.0, ())
    for text, value in iter_leaves(body):
        if isinstance(value, str) and vocabularies.normalize(value):
            floor = 0.4
        elif digit_text(value) is not None or isinstance(value, bool):
            floor = 0.9
        else:
            continue
        steps = path_steps(text)
        if steps is None:
            continue
        score = name_score("status", key_context(steps))
        if score >= floor and score > best[0]:
            best = (score, steps)
    return best[1]


@dataclass
class Column:
    """Every value one path takes, by receipt; empty strings and nulls count as absent."""

    path: str
    steps: tuple[str | int, ...]
    order: int  # first-seen position, for stable tie-breaks
    by_receipt: dict[int, Any] = field(default_factory=dict)

    @property
    def values(self) -> list[Any]:
        return list(self.by_receipt.values())


def collect_columns(receipts: list[Any]) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    rejected: set[str] = set()
    for index, receipt in enumerate(receipts):
        for text, value in iter_leaves(receipt):
            column = columns.get(text)
            if column is None:
                if text in rejected or len(columns) >= _MAX_COLUMNS:
                    continue
                steps = path_steps(text)
                if steps is None:
                    rejected.add(text)
                    continue
                column = columns[text] = Column(text, steps, len(columns))
            if value is not None and value != "":
                column.by_receipt[index] = value
    return columns


def representable(text: str) -> bool:
    """Whether a TOML file can hold the text (no lone surrogates)."""
    return not any("\ud800" <= char <= "\udfff" for char in text)


@lru_cache(maxsize=4096)
def path_steps(text: str) -> tuple[str | int, ...] | None:
    """The steps of a leaf path, or None for a path a mapping file could not hold."""
    if not representable(text):
        return None
    try:
        return compile_path(text).steps
    except PathSyntaxError:
        return None


def container_of(steps: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The object holding a leaf's key: ``message.to[0]`` -> ``message``."""
    last_key = max((i for i, step in enumerate(steps) if isinstance(step, str)), default=0)
    return steps[:last_key]


def type_keys(
    samples: Sequence[Any], fields: dict[str, FieldGuess], vocabularies: Vocabularies
) -> dict[str, str]:
    """Keys near the top of every body whose value is one constant word naming the kind of
    body (``namespace = "SMS"``), not a field and not a status: what `match` should test."""
    bodies = _bodies(samples)
    taken = {guess.path for guess in fields.values()}
    found: dict[str, str] | None = None
    for body in bodies:
        here = {}
        for text, value in iter_leaves(body):
            steps = path_steps(text)
            if steps is None or len(steps) > 2 or any(isinstance(s, int) for s in steps):
                continue
            key = "_".join(key_tokens(str(steps[-1])))
            if key not in TYPE_KEYS or not isinstance(value, str) or text in taken:
                continue
            if WORD.fullmatch(value) and not vocabularies.knows(value):
                here[text] = value
        found = here if found is None else {k: v for k, v in found.items() if here.get(k) == v}
    return found or {}
