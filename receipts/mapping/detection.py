"""Automatic mapping detection: which path of a provider's body holds each normalized field.

Every leaf path seen in the sample bodies is scored for every normalized field on three kinds
of evidence, weighted in ``WEIGHTS``:

- its key name, in any naming style (``MessageSid``, ``msg_id``, ``err-code``, ``done date``),
  read together with the parent key, so that ``status.timestamp`` and ``price.total`` count;
- the shape of its values (UUIDs and other ids, ISO 8601, epoch and SMPP times, phone numbers,
  ISO 4217 codes, prices, segment counts, the providers' status words);
- how its values behave across samples (an id varies, a status takes few values, a sender
  repeats). With a single sample this evidence is absent and names and shapes decide alone.

A small bonus goes to paths that sit next to the detected status, because one receipt's fields
are kept together. Each path is then given to at most one field, highest confidence first
(``message_id`` first on a tie); a path whose key does not name the field and whose values
repeat a path already taken (``SmsStatus`` beside ``MessageStatus``) is skipped. A field whose
best confidence is below ``THRESHOLD`` (0.5) is left unmapped, never guessed: a wrong path
would silently store wrong receipts, while an unmapped one is visible and fixable.

The ``[status]`` table is built from the words observed at the status path, read with the
provider table of ``vocabularies.toml`` that knows most of them; words no table knows map to
``unknown`` and are listed in ``unknown_words``.

Bodies that carry many receipts are detected on their items. A top-level JSON array is simply
a list of receipts: the mapping engine walks it already, so ``each`` stays ``""``. A list
inside the body (Infobip's ``results``) is reported as ``each`` (``"results[]"``) and the field
paths are relative to its items.

This module is a pure library: no Flask, no SQL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from receipts.mapping.catalogue import Catalogue, ProviderEntry, load_catalogue
from receipts.mapping.paths import (
    MISSING,
    PathSyntaxError,
    compile_path,
    format_steps,
    iter_leaves,
)
from receipts.mapping.receipt import FIELD_NAMES, REQUIRED_FIELDS
from receipts.mapping.values import status_word
from receipts.mapping.vocabularies import Vocabularies, vocabularies_of

THRESHOLD = 0.5


@dataclass(frozen=True)
class Weights:
    """How much each kind of evidence counts; a confidence is their weighted sum, so the
    weights add up to 1. A key name alone (0.52) just clears THRESHOLD; values shaped like
    another field's (shape -1) pull even a perfect name below it."""

    name: float = 0.52  # the key reads like the field
    shape: float = 0.33  # the values look like the field's values (negative when they do not)
    behaviour: float = 0.10  # how values vary across samples (needs two samples or more)
    proximity: float = 0.05  # the path sits next to the status
    other_role_cap: float = 0.1  # name score of a key that names another role (clientMessageId)


WEIGHTS = Weights()

# The normalized fields detection looks for, in priority order for ties.
# Fields no provider names clearly enough to find by name and shape alone.
UNDETECTED_FIELDS = frozenset({"provider_error_code"})
DETECTED_FIELDS = tuple(name for name in FIELD_NAMES if name not in UNDETECTED_FIELDS)


def _words(text: str) -> frozenset[str]:
    """A set written as space-separated words (long code lists read best that way)."""
    return frozenset(text.split())


# Names of lists that carry one receipt per item even when a sample holds a single item.
_BATCH_KEYS = _words(
    "results statuses status reports report receipts events event messages deliveries delivery "
    "dlrs dlr items records notifications updates update data"
)
_MAX_COLUMNS = 2000  # distinct paths considered; bounds the work on hostile samples


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldGuess:
    """The path chosen for a field, how sure detection is, and the next best path."""

    path: str
    confidence: float
    runner_up: str | None = None
    runner_up_confidence: float = 0.0


@dataclass(frozen=True)
class DetectedMapping:
    """A mapping inferred from samples; ``to_toml`` freezes it into a mapping file."""

    fields: dict[str, FieldGuess]  # fields at or above THRESHOLD only
    candidates: dict[str, FieldGuess]  # best guess of every field that has one, for display
    status_table: dict[str, str]  # observed status word -> normalized status
    unknown_words: tuple[str, ...]  # observed status words no vocabulary knows
    each: str  # "" or the list path of batched receipts, e.g. "results[]"
    sample_count: int  # bodies given
    receipt_count: int = 0  # receipts found in them (items of `each` lists and arrays)
    vocabulary: str | None = None  # the provider table that knows most of the status words
    provider: ProviderEntry | None = None  # the catalogue entry the bodies were recognized as
    match: dict[str, str] = field(default_factory=dict)  # constant type keys -> their value
    naive_times: bool = False  # event times carry no zone: read as UTC
    labelled: bool = False  # the status table comes from the caller's labels

    @property
    def is_receipt(self) -> bool:
        """Whether the samples hold delivery receipts: a message id and a status were found."""
        return all(name in self.fields for name in REQUIRED_FIELDS)

    def full_status_table(self, vocabularies: Vocabularies | None = None) -> dict[str, str]:
        """The observed values, then every other value of the recognized provider (or of the
        vocabulary table that knows the observed words best): statuses not seen yet map too."""
        if self.labelled:
            return dict(self.status_table)
        if self.provider is not None:
            rest = self.provider.status
        elif self.vocabulary is not None and vocabularies is not None:
            rest = vocabularies.tables.get(self.vocabulary, {})
        else:
            rest = {}
        seen = {word.lower() for word in self.status_table}
        return {**self.status_table, **{w: s for w, s in rest.items() if w not in seen}}

    def to_toml(
        self,
        name: str,
        channel: str | None = None,
        vocabularies: Vocabularies | None = None,
        status_match: bool = True,
    ) -> str:
        """A complete mapping file: `match`, every field found (each with its confidence and
        runner-up), and the status table. Without a type key to match on, ``status_match``
        matches bodies whose status is one of the table's values."""
        table = self.full_status_table(vocabularies)
        lines = [
            f"# Detected from {self.sample_count} sample bodies ({self.receipt_count} receipts)."
            " Review before use."
        ]
        if self.provider is not None:
            lines.append(
                f"# Recognized as {self.provider.name}: receipts/mapping/providers/"
                f"{self.provider.id}.toml"
            )
            lines += [f"#   {what}: {url}" for what, url in self.provider.sources.items()]
        lines += [
            f"# Fields below confidence {THRESHOLD:.2f} are left unmapped (commented out).",
            f"name = {_toml_string(name)}",
        ]
        if channel is not None:
            lines.append(f"channel = {_toml_string(channel)}")
        lines += ["auto = false", f"each = {_toml_string(self.each)}"]
        lines += self._match_lines(table if status_match else {})
        lines += ["", "[fields]"]
        for field_name in DETECTED_FIELDS:
            guess = self.fields.get(field_name)
            if guess is not None:
                note = _describe(guess)
                if field_name == "event_at" and self.naive_times:
                    note += "; times without a zone are read as UTC"
                lines.append(f"{field_name} = {_toml_string(guess.path)}  # {note}")
                continue
            known = self.provider.fields.get(field_name) if self.provider else None
            if known:
                source = f"from the {self.provider.name} catalogue entry; not in the samples"
                lines.append(f"{field_name} = {_toml_string(known[0])}  # {source}")
                continue
            candidate = self.candidates.get(field_name)
            best = (
                f" (best candidate {_comment_path(candidate.path)}, "
                f"confidence {candidate.confidence:.2f})"
                if candidate
                else ""
            )
            lines.append(f"# {field_name}: not detected{best}")
        lines += ["", "[status]"]
        if self.labelled:
            lines.append("# from the labelled samples (--as)")
        elif self.vocabulary:
            lines.append(f"# values read as the {self.vocabulary} provider table reads them")
        others = False
        for word, status in table.items():
            if word not in self.status_table and not others:
                lines.append("# values not seen in the samples")
                others = True
            note = ""
            if word in self.unknown_words:
                note = "  # in no vocabulary: check"
            elif self._guessed(word, vocabularies):
                note = "  # in no provider table, read by its stems: check"
            lines.append(f"{_toml_string(word)} = {_toml_string(status)}{note}")
        return "\n".join(lines) + "\n"

    def _guessed(self, word: str, vocabularies: Vocabularies | None) -> bool:
        if self.labelled or self.provider is not None or vocabularies is None:
            return False
        return word in self.status_table and not vocabularies.knows(status_word(word))

    def _match_lines(self, table: dict[str, str]) -> list[str]:
        if self.match:
            pairs = ", ".join(
                f"{_toml_string(k)} = {_toml_string(v)}" for k, v in self.match.items()
            )
            return [f"match = {{ {pairs} }}  # the kind of body this mapping reads"]
        status = self.fields.get("status")
        if status is None or not table:
            return ["# match: nothing in the samples names this kind of body"]
        path = status.path
        if self.each:
            path = f"{self.each.removesuffix('[]')}[0].{path}"
        spellings = dict.fromkeys(
            variant
            for word in table
            for variant in ((word,) if word in self.status_table else (word, word.upper()))
        )
        values = ", ".join(_toml_string(word) for word in spellings)
        return [
            "# bodies whose status is a value of the [status] table (no type key was found)",
            f"match = {{ {_toml_string(path)} = [{values}] }}",
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, for the API and `--json` output."""
        return {
            "each": self.each,
            "sample_count": self.sample_count,
            "receipt_count": self.receipt_count,
            "threshold": THRESHOLD,
            "fields": {name: asdict(guess) for name, guess in self.fields.items()},
            "candidates": {name: asdict(guess) for name, guess in self.candidates.items()},
            "status_table": dict(self.status_table),
            "unknown_words": list(self.unknown_words),
            "vocabulary": self.vocabulary,
            "provider": self.provider.id if self.provider else None,
            "match": dict(self.match),
            "naive_times": self.naive_times,
        }


class SampleError(ValueError):
    """A sample text that is neither JSON, NDJSON nor a form-encoded body."""


class NoReceiptError(ValueError):
    """The samples hold no delivery receipt: no message id or no status could be found."""

    def __init__(self, found: DetectedMapping) -> None:
        missing = [name for name in REQUIRED_FIELDS if name not in found.fields]
        super().__init__(
            f"no delivery receipt in the samples: found no {' and no '.join(missing)}"
            " (an inbound message or another kind of event?); nothing to map"
        )


# --- entry points ----------------------------------------------------------------------------


def parse_sample_text(text: str) -> list[Any]:
    """The bodies in a sample file: one JSON document, NDJSON (one document per line), or a
    form-encoded body / query string (parsed into a flat dict of str -> str, as the webhook
    receiver does). Raises SampleError for anything else."""
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        return []
    try:
        return [json.loads(stripped)]
    except (ValueError, RecursionError):
        pass
    lines = [line for line in stripped.splitlines() if line.strip()]
    if len(lines) > 1:
        try:
            return [json.loads(line) for line in lines]
        except (ValueError, RecursionError):
            pass
    query = stripped
    if "://" in query and "?" in query:
        query = urlsplit(query).query
    try:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise SampleError("not JSON, NDJSON or a form-encoded body") from None
    return [dict(pairs)]


def detect_mapping(
    samples: Sequence[Any],
    labels: Sequence[str | None] | None = None,
    catalogue: Catalogue | None = None,
) -> DetectedMapping:
    """Detect field paths and a status table from sample bodies (parsed JSON or form dicts).

    ``labels`` (one normalized status or None per sample) say what each sample reports: the
    field whose values separate them is the status, and they fill the status table.
    ``catalogue`` defaults to the shipped one; an evaluation passes one without the provider
    under test. Never raises on any JSON value; fields it cannot place are left unmapped.
    """
    catalogue = load_catalogue() if catalogue is None else catalogue
    vocabularies = vocabularies_of(catalogue)
    provider = _recognize(samples, catalogue)
    each, receipts, origin = _split_receipts(samples, vocabularies, provider)
    columns = _collect_columns(receipts)
    scores = _score_columns(columns, vocabularies)
    receipt_labels = [labels[i] for i in origin] if labels else []
    if any(receipt_labels):
        _score_by_labels(scores["status"], columns, receipt_labels)
    fields, candidates = _assign(scores, columns, _provider_paths(provider, columns))
    if any(receipt_labels) and "status" in fields:
        status_table, unknown = _labelled_table(fields["status"], columns, receipt_labels)
        vocabulary = None
    else:
        status_table, unknown, vocabulary = _status_table(
            fields.get("status"), columns, vocabularies, provider
        )
    return DetectedMapping(
        fields=fields,
        candidates=candidates,
        status_table=status_table,
        unknown_words=unknown,
        each=each,
        sample_count=len(samples),
        receipt_count=len(receipts),
        vocabulary=vocabulary,
        provider=provider,
        match=_type_keys(samples, fields, vocabularies) if fields else {},
        naive_times=_naive_times(fields.get("event_at"), columns),
        labelled=any(receipt_labels),
    )


# --- known providers -------------------------------------------------------------------------


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


def _recognize(samples: Sequence[Any], catalogue: Catalogue) -> ProviderEntry | None:
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


def _provider_paths(provider: ProviderEntry | None, columns: dict[str, _Column]) -> dict[str, str]:
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


# --- receipts in the samples -----------------------------------------------------------------


def _split_receipts(
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
        if list_path and _steps(list_path) is None:
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
    batch_named = bool(keys) and bool(_BATCH_KEYS.intersection(_tokens(keys[-1])))
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
                steps = _steps(text)
                if steps and _name_score("message_id", _context(steps)) >= 0.6:
                    return True
    return False


def _best_status_steps(body: Any, vocabularies: Vocabularies) -> tuple[str | int, ...]:
    """Where a body's status most likely sits: a known status word under a status-like key,
    or a code under a key that plainly names the status."""
    best: tuple[float, tuple[str | int, ...]] = (0.0, ())
    for text, value in iter_leaves(body):
        if isinstance(value, str) and vocabularies.normalize(value):
            floor = 0.4
        elif _digits(value) is not None or isinstance(value, bool):
            floor = 0.9
        else:
            continue
        steps = _steps(text)
        if steps is None:
            continue
        score = _name_score("status", _context(steps))
        if score >= floor and score > best[0]:
            best = (score, steps)
    return best[1]


# --- columns: the values of one path across receipts -----------------------------------------


@dataclass
class _Column:
    """Every value one path takes, by receipt; empty strings and nulls count as absent."""

    path: str
    steps: tuple[str | int, ...]
    order: int  # first-seen position, for stable tie-breaks
    by_receipt: dict[int, Any] = field(default_factory=dict)

    @property
    def values(self) -> list[Any]:
        return list(self.by_receipt.values())


def _collect_columns(receipts: list[Any]) -> dict[str, _Column]:
    columns: dict[str, _Column] = {}
    rejected: set[str] = set()
    for index, receipt in enumerate(receipts):
        for text, value in iter_leaves(receipt):
            column = columns.get(text)
            if column is None:
                if text in rejected or len(columns) >= _MAX_COLUMNS:
                    continue
                steps = _steps(text)
                if steps is None:
                    rejected.add(text)
                    continue
                column = columns[text] = _Column(text, steps, len(columns))
            if value is not None and value != "":
                column.by_receipt[index] = value
    return columns


@lru_cache(maxsize=4096)
def _steps(text: str) -> tuple[str | int, ...] | None:
    """The steps of a leaf path, or None for a path a mapping file could not hold."""
    if not _representable(text):
        return None
    try:
        return compile_path(text).steps
    except PathSyntaxError:
        return None


# --- key names -------------------------------------------------------------------------------

_WORD_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@lru_cache(maxsize=4096)
def _tokens(key: str) -> tuple[str, ...]:
    """``MessageSid`` -> (message, sid); ``err-code`` -> (err, code); ``deliveredTS`` -> ..."""
    return tuple(part.lower() for part in _WORD_PARTS.findall(key))


# Parent keys that only wrap a record (an event's `data`, Pinpoint's `attributes`): they say
# nothing of the field, so `data.id` reads as `id`, like the record's own id.
_WRAPPERS = _words("data attributes detail details properties fields")


def _context(steps: tuple[str | int, ...]) -> tuple[str, ...]:
    """The tokens of a leaf's key and its parent key: ``status.timestamp`` -> status_timestamp."""
    keys = [step for step in steps if isinstance(step, str)]
    if len(keys) >= 2 and keys[-2].lower() in _WRAPPERS:
        keys = keys[-1:]
    return tuple(token for key in keys[-2:] for token in _tokens(key))


def _rule(*patterns: tuple[str, float]) -> tuple[tuple[re.Pattern[str], float], ...]:
    return tuple((re.compile(pattern), score) for pattern, score in patterns)


_P = "(?:.+_)?"  # any leading tokens

# Per field: key-name patterns over the joined tokens, first match wins (so narrow readings
# such as "sent_at is not the status time" come before broad ones), and tokens that say the
# key holds some other role.
_NAMES: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    "message_id": _rule(
        (_P + r"(?:batch|bulk)_(?:id|uuid)", 0.4),
        # Twilio keeps SmsSid beside MessageSid for old clients: prefer the current name.
        (_P + r"sms_(?:id|sid)", 0.95),
        (_P + r"(?:message|msg|mt|dlr)_(?:id|sid|uuid|guid)", 1.0),
        (_P + r"(?:message|msg)_(?:token|key|ref)", 0.9),  # Viber's message_token
        (_P + r"(?:umid|msgid|messageid|smsid|wamid|gs_id|gsid)", 1.0),
        (_P + r"payload_(?:id|uuid)", 0.8),
        # MSG91 and D7 answer a send with a request id and report under it.
        (r"request_(?:id|uuid)", 0.75),
        (_P + r"external_id", 0.75),
        (_P + r"(?:receipted_message_id|smsc_id|smsc_message_id|id_smsc)", 0.5),
        (r"(?:id|sid|uuid|guid)", 0.7),
        (_P + r"(?:id|sid|uuid|guid)", 0.6),
    ),
    "client_message_id": _rule(
        (_P + r"client_(?:message_id|msg_id|message_ref|ref|reference)", 1.0),
        (_P + r"(?:customer|user|merchant|partner|your)_(?:ref|reference|message_id|msg_id)", 0.9),
        (_P + r"correlation_id", 0.9),
        (
            _P + r"(?:reference|callback_data|custom_id|client_data|user_data|custom_data|"
            r"custom_string|custom_ref)",
            0.8,
        ),
        (_P + r"(?:user|client|customer)_supplied_(?:id|ref|reference)", 1.0),
        (_P + r"ref", 0.7),
        (_P + r"client_id", 0.5),
        (_P + r"external_(?:id|ref|reference)", 0.45),
        (_P + r"(?:tag|label)", 0.3),
    ),
    "status": _rule(
        (
            _P + r"(?:status|state)_(?:detail|details|reason|description|desc|text|message|msg|"
            r"id|group_id|trace|datetime|date|time|timestamp|at|ts|url|callback)",
            0.0,
        ),
        (_P + r"record_type", 0.0),
        (_P + r"dlr_code", 1.0),
        (_P + r"(?:status|state|delivery)_code", 0.7),
        (_P + r"(?:status|state)_(?:type|value)", 0.9),
        (_P + r"dlr_(?:status|stat|state)", 1.0),
        (_P + r"(?:status|state)_group(?:_name)?", 1.0),
        (_P + r"(?:status|state)_name", 0.8),
        (_P + r"sms_status", 0.95),
        (_P + r"(?:status|state|stat)", 1.0),
        (r"(?:type|event|event_type|event_name)", 0.4),
        (_P + r"(?:type|event|event_type|event_name)", 0.35),
        (_P + r"(?:result|outcome)", 0.5),
        (r"(?:is_)?(?:success|successful|succeeded|delivered|ok)", 0.7),
    ),
    "detail": _rule(
        (_P + r"(?:err|error|errors|failure)(?:_.+)?", 0.0),
        (_P + r"(?:status|state)_(?:detail|details|trace|reason|sub)", 1.0),
        (_P + r"(?:sub_status|substatus|detail|details|detailed_status)", 0.9),
        (_P + r"(?:status|state)_name", 0.7),
        (_P + r"(?:reason|cause)", 0.6),
        (_P + r"(?:status|state)_description", 0.5),
        (r"description", 0.35),
    ),
    "event_at": _rule(
        (
            _P + r"(?:status|state)_(?:timestamp|time|date|datetime|date_time|at|ts|"
            r"updated_at|changed_at)",
            1.0,
        ),
        (
            _P + r"(?:done|delivered|delivery|delivery_report|dlr|report|receipt|event|occurred|"
            r"completed|updated|last_updated|changed|final|finished|handset)_"
            r"(?:date|at|time|timestamp|ts|datetime|date_time|on)",
            1.0,
        ),
        (_P + r"(?:scts|donedate|date_updated|updated|occurred)", 1.0),
        # A key named for the event it dates: 46elks sends `delivered=<time>`.
        (_P + r"(?:delivered|done|completed|finalized|failed|read|seen)", 0.7),
        # A sent receipt's time is its send time; creation and queueing come before any status.
        (
            _P + r"(?:sent|send|submit|submitted|sub)_(?:date|at|time|timestamp|ts|datetime|on)",
            0.45,
        ),
        (_P + r"(?:subdate|date_sent|submitted)", 0.45),
        (
            _P + r"(?:created|creation|queued|scheduled|message|requested|request|received|start|"
            r"started|accepted)_(?:date|at|time|timestamp|ts|datetime|date_time|on)",
            0.1,
        ),
        (_P + r"(?:date_created|created)", 0.1),
        (_P + r"timestamp", 0.85),
        (_P + r"(?:time|date|datetime|date_time|at|ts|when)", 0.7),
    ),
    "recipient": _rule(
        (
            _P + r"(?:to|recipient|recipients|destination|dest|dst|receiver|target)_"
            r"(?:phone_number|number|msisdn|address|addr|phone|mobile|id)",
            1.0,
        ),
        (
            _P + r"(?:recipient|recipients|destination|dest_addr|destination_addr|"
            r"destination_address|dst_addr|receiver|to_number|to_msisdn)",
            1.0,
        ),
        (_P + r"to", 0.95),
        (_P + r"msisdn", 0.85),
        (_P + r"(?:mobile|mobile_number|mobile_no|phone_no|phone_number|phone|cell|number)", 0.7),
    ),
    "sender": _rule(
        (
            _P + r"(?:from|sender|source|src|originator|orig|origination|originating|caller)_"
            r"(?:phone_number|number|msisdn|address|addr|phone|mobile|id|name)",
            1.0,
        ),
        (
            _P + r"(?:sender|source|originator|src_addr|source_addr|source_address|from_number|"
            r"applied_originator|oa|src)",
            1.0,
        ),
        (_P + r"from", 0.95),
        (_P + r"(?:owner|mask|display_phone_number)", 0.5),
    ),
    "error_code": _rule(
        (
            _P + r"(?:network|country|currency|mcc|mnc|area|postal|zip|language|lang|http|"
            r"response|template|short|dial|calling|phone|encoding)_code",
            0.0,
        ),
        (_P + r"provider_(?:err|error)_code", 0.7),
        (_P + r"(?:err|error|errors|failure|fail|reason|dlr_error)_(?:code|id|no|num|number)", 1.0),
        (_P + r"(?:errcode|errorcode|errno|err|error)", 0.9),
        (r"code", 0.5),
        (_P + r"status_code", 0.25),
        (_P + r"code", 0.35),
    ),
    "error_message": _rule(
        (
            _P + r"(?:err|error|errors|failure|fail)_(?:message|msg|description|desc|text|"
            r"reason|detail|details|title|string)",
            1.0,
        ),
        (_P + r"(?:errmsg|errormessage|errortext)", 1.0),
        (_P + r"(?:err|error|errors)_name", 0.6),
        (_P + r"(?:reason|cause)", 0.6),
        (_P + r"(?:status|state)_(?:reason|description|message|text)", 0.4),
        (_P + r"description", 0.45),
    ),
    "channel": _rule(
        (_P + r"(?:channel|channel_type|channel_name|messaging_product|messaging_channel)", 1.0),
        (_P + r"(?:message_type|msg_type)", 0.6),
        (_P + r"(?:platform|medium|transport)", 0.5),
        (r"type", 0.45),
        (_P + r"type", 0.35),
        (r"namespace", 0.15),
    ),
    "price": _rule(
        (_P + r"(?:rate|fee|tax|discount|balance|credit|credits)_(?:amount|value)", 0.3),
        (_P + r"(?:price|cost|charge|fee)_(?:total|amount|value)", 1.0),
        (_P + r"total_(?:price|cost|amount|charge)", 1.0),
        (_P + r"(?:price|cost|charge)", 1.0),
        (
            _P + r"(?:price_per_sms|per_sms|price_per_message|per_message|unit_price|"
            r"price_per_unit|per_unit|rate|total_rate)",
            0.55,
        ),
        (_P + r"(?:amount|total)", 0.6),
    ),
    "currency": _rule(
        (_P + r"(?:currency|currency_code|currency_iso|ccy|curr|price_unit)", 1.0),
    ),
    "batch_id": _rule(
        (_P + r"client_(?:batch|bulk)_(?:id|ref|reference)", 0.1),
        (_P + r"(?:batch|bulk|campaign_batch)_(?:id|uuid|guid|sid)", 1.0),
        (_P + r"submission_id", 0.8),
        (_P + r"(?:batchid|bulkid)", 1.0),
    ),
    "client_batch_id": _rule(
        (_P + r"client_(?:batch|bulk)_(?:id|ref|reference)", 1.0),
        (_P + r"(?:customer|user|your)_batch_(?:id|ref|reference)", 0.9),
    ),
    "segments": _rule(
        (
            _P + r"(?:segments|segment|segment_count|num_segments|number_of_segments|"
            r"total_segments|sms_count|parts|num_parts|number_of_parts|number_of_message_parts|"
            r"message_parts|part_count|parts_count|nb_parts|no_of_frags|frags|fragments|"
            r"sms_parts)",
            1.0,
        ),
        (_P + r"(?:units|message_count|msg_count|messages_count|sms_units|sms_size)", 0.8),
        (_P + r"count", 0.3),
    ),
}

_OTHER_ROLE: dict[str, frozenset[str]] = {
    name: _words(words)
    for name, words in {
        "message_id": "client customer user account campaign conversation profile organization "
        "org app application api service template session tracking callback network error "
        "errors subaccount owner project powerpack parent contact channel status key "
        "recipient phone number price webhook entry metadata mcc mnc submission",
        "client_message_id": "batch bulk campaign network template account",
        "status": "error errors http response conversation pricing origin direction webhook line",
        "detail": "conversation pricing price",
        "event_at": "expires expire expiry expiration valid validity until birth api version",
        "recipient": "from sender source src originator owner applied display caller",
        "sender": "to recipient recipients destination dest dst receiver target",
        "error_code": "mcc mnc network currency country http",
        "error_message": "conversation pricing template",
        "channel": "user origin pricing record line conversation event direction content media",
        "price": "balance credit credits discount tax currency",
        "currency": "",
        "segments": "recipient recipients attempt",
        "batch_id": "client customer user",
        "client_batch_id": "",
    }.items()
}


@lru_cache(maxsize=16384)
def _name_score(field_name: str, context: tuple[str, ...]) -> float:
    """How much a key (with its parent) reads like the field, in [0, 1]."""
    if not context:
        return 0.0
    joined = "_".join(context)
    score = next((s for pattern, s in _NAMES[field_name] if pattern.fullmatch(joined)), 0.0)
    if _OTHER_ROLE[field_name].intersection(context):
        score = min(score, WEIGHTS.other_role_cap)
    return score


# --- value shapes ----------------------------------------------------------------------------

_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")  # Twilio-style: SM/MM + 32 hex digits
_HEX_ID = re.compile(r"[0-9a-fA-F]{12,}")
_TOKEN_ID = re.compile(r"[A-Za-z0-9][!-~]{7,}")
_DIGIT_ID = re.compile(r"\d[\d-]{15,}")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_SCHEMED_PHONE = re.compile(r"[a-z]+:\+?[1-9]\d{6,14}")  # whatsapp:+15551234567
_NATIONAL = re.compile(r"\+?[\d\s().-]{7,20}")
_SENDER_ID = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9&._-]{2,11}")
_ISO_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_RFC2822 = re.compile(r"(?:[A-Za-z]{3}, )?\d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}(?::\d{2})?.*")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,39}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}")
_EPOCH_SECONDS = (946_684_800, 2_000_000_000)  # 2000-01-01 .. 2033-05-18
_EPOCH_MILLIS = (946_684_800_000, 2_000_000_000_000)

_CHANNELS = _words(
    "sms mms rcs whatsapp viber line messenger facebook instagram telegram wechat kakao "
    "kakaotalk zalo apple imessage google gbm email voice push signal"
)
_CURRENCIES = _words(
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD "
    "FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY "
    "KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP "
    "MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR "
    "RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS "
    "TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR "
    "ZMW ZWL"
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _digits(value: Any) -> str | None:
    """The digits of an integer or a digit string, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    return None


def _is_iso_time(value: str) -> bool:
    if len(value) > 40 or not _ISO_TIME.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace(",", ".").replace("z", "Z"))
    except ValueError:
        return False
    return True


def _is_smpp_time(digits: str) -> bool:
    """SMPP receipt dates: YYMMDDhhmm, optionally with seconds."""
    if len(digits) not in (10, 12):
        return False
    parts = [int(digits[i : i + 2]) for i in range(0, len(digits), 2)]
    try:
        datetime(2000 + parts[0], parts[1], parts[2], parts[3], parts[4], *parts[5:])
    except ValueError:
        return False
    return True


def _time_shape(value: Any) -> float:
    """ISO 8601 (any fraction, Z or offset), RFC 2822, epoch seconds/ms, SMPP YYMMDDhhmm."""
    if isinstance(value, str):
        if _is_iso_time(value):
            return 1.0
        if _RFC2822.fullmatch(value):
            return 0.9
    digits = _digits(value)
    if digits is not None:
        number = int(digits)
        if _in(number, _EPOCH_SECONDS) or _in(number, _EPOCH_MILLIS):
            return 0.85
        if isinstance(value, str) and _is_smpp_time(digits):
            return 0.75
        return -1.0
    if isinstance(value, float) and math.isfinite(value) and _in(value, _EPOCH_SECONDS):
        return 0.8
    return -1.0


def _in(number: float, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= number <= bounds[1]


def _is_phone(value: str) -> bool:
    return bool(_E164.fullmatch(value) or _SCHEMED_PHONE.fullmatch(value))


def _recipient_shape(value: Any) -> float:
    """E.164 best; bare national or international digits; never a name or a short code."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.6 if 8 <= len(str(abs(value))) <= 15 else -1.0
    if not isinstance(value, str):
        return -1.0
    if _E164.fullmatch(value):
        return 1.0
    if _SCHEMED_PHONE.fullmatch(value):
        return 0.8
    if value.isascii() and value.isdigit():
        return 0.75 if 8 <= len(value) <= 15 else -0.5
    if _NATIONAL.fullmatch(value) and 8 <= sum(c.isdigit() for c in value) <= 15:
        return 0.6
    return -1.0


def _sender_shape(value: Any) -> float:
    """A phone number, a short code or an alphanumeric sender id (at most 11 characters)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.6 if 3 <= len(str(abs(value))) <= 15 else -1.0
    if not isinstance(value, str):
        return -1.0
    if _is_phone(value):
        return 0.9
    if value.isascii() and value.isdigit():
        return 0.7 if 3 <= len(value) <= 15 else -0.5
    if _SENDER_ID.fullmatch(value):
        return 0.7
    return -0.6


def _id_shape(value: Any, vocabularies: Vocabularies) -> float:
    """UUIDs, SM + 32 hex and other opaque tokens; not phone numbers, words or times."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.4 if value >= 1_000_000 else -0.6
    if not isinstance(value, str):
        return -1.0
    if _UUID.fullmatch(value) or _SID.fullmatch(value):
        return 1.0
    if _HEX_ID.fullmatch(value) and any(c.isdigit() for c in value):
        return 0.9
    if _is_phone(value) or _is_iso_time(value) or vocabularies.knows(value):
        return -1.0
    if value.isascii() and value.isdigit():
        return 0.7 if len(value) >= 16 else (0.5 if len(value) >= 8 else 0.1)
    if _DIGIT_ID.fullmatch(value):
        return 0.7
    if _TOKEN_ID.fullmatch(value) and any(c.isdigit() for c in value):
        return 0.8
    if " " in value:
        return -1.0
    return -0.5


def _client_id_shape(value: Any, vocabularies: Vocabularies) -> float:
    """The sender's own reference: anything id-like, often readable (``order-48213-otp``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.2
    if not isinstance(value, str):
        return -1.0
    if _is_phone(value) or _is_iso_time(value):
        return -0.8
    if vocabularies.knows(value):
        return -0.5
    if " " in value.strip():
        return -0.6
    if any(c.isdigit() for c in value) and len(value) >= 3:
        return 0.6
    return 0.1


def _status_shape(value: Any, vocabularies: Vocabularies) -> float:
    """A value of some provider's vocabulary, a word whose stems read as a status
    (``TEXT_DELIVERED``, ``"DELIVERED | text"``); small codes and flags might be one."""
    if isinstance(value, str):
        if vocabularies.knows(value):
            return 1.0
        word = status_word(value)
        if _WORD.fullmatch(word) and not _is_iso_time(word):
            return 0.9 if vocabularies.normalize(word) else 0.25
        if value.isascii() and value.isdigit() and len(value) <= 4:
            return 0.5
        if (
            len(value) <= 40
            and len(value.split()) <= 6
            and all(map(_WORD.fullmatch, value.split()))
        ):
            return 0.6 if vocabularies.normalize(value) else 0.2  # "Message Failed"
        return -0.6
    if isinstance(value, bool):
        return 0.5
    digits = _digits(value)
    if digits is not None and len(digits) <= 4:
        return 0.5  # a code from the provider's table: left unknown unless a table knows it
    if _is_number(value):
        return -0.4
    return -1.0


def _detail_shape(value: Any, vocabularies: Vocabularies) -> float:
    """A status sub-word (``delivered_to_operator``, ``MOB-OFF``) or a short phrase."""
    if isinstance(value, str):
        if vocabularies.knows(value):
            return 0.8
        if _UUID.fullmatch(value) or _is_iso_time(value) or _is_phone(value):
            return -1.0
        if _WORD.fullmatch(value):
            return 0.5
        return 0.3 if len(value.split()) <= 6 else -0.2
    if _is_number(value):
        return -0.5
    return -1.0


def _error_code_shape(value: Any) -> float:
    """Numbers, digit strings and short code words (``EC_ABSENT_SUBSCRIBER``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 1.0 if 0 <= value < 1_000_000_000 else -0.5
    if not isinstance(value, str):
        return -0.5 if isinstance(value, float) else -1.0
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return 1.0
    if _UUID.fullmatch(value) or _is_phone(value) or _is_iso_time(value):
        return -1.0
    if _CODE.fullmatch(value):
        return 0.3
    return -1.0


def _error_message_shape(value: Any) -> float:
    """Human text: words with spaces, rarely a single word."""
    if not isinstance(value, str) or _is_iso_time(value):
        return -1.0
    if not any(c.isalpha() for c in value):
        return -1.0
    return 0.5 if " " in value.strip() else 0.1


def _channel_shape(value: Any) -> float:
    return 1.0 if isinstance(value, str) and value.lower() in _CHANNELS else -0.8


def _price_shape(value: Any) -> float:
    """Decimal amounts, as numbers or numeric strings (8x8 sends 0.0213, Vonage "0.0333")."""
    if isinstance(value, float) and not isinstance(value, bool):
        return 1.0 if math.isfinite(value) and -1000 < value < 10_000 else -1.0
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.4 if 0 <= value < 10_000 else -1.0
    if isinstance(value, str) and len(value) <= 20:
        if _DECIMAL.fullmatch(value):
            return 1.0
        if value.isascii() and value.isdigit():
            return 0.4
    return -1.0


def _currency_shape(value: Any) -> float:
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        return -1.0
    return 1.0 if value.upper() in _CURRENCIES else 0.3


def _segments_shape(value: Any) -> float:
    """Small whole numbers: a message is rarely more than a handful of SMS parts."""
    digits = _digits(value)
    if digits is None or len(digits) > 4:
        return -1.0
    count = int(digits)
    if 1 <= count <= 20:
        return 1.0
    return 0.3 if count == 0 else (0.2 if count <= 255 else -1.0)


# --- behaviour across samples ----------------------------------------------------------------


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
    "message_id": _Evidence(_id_shape, _varies_like_an_id),
    "client_message_id": _Evidence(_client_id_shape, _half(_varies_like_an_id)),
    "status": _Evidence(_status_shape, _few_values),
    "detail": _Evidence(_detail_shape, _few_values),
    "event_at": _Evidence(_plain(_time_shape), _changes),
    "recipient": _Evidence(_plain(_recipient_shape)),
    "sender": _Evidence(_plain(_sender_shape), _repeats),
    "error_code": _Evidence(_plain(_error_code_shape)),
    "error_message": _Evidence(_plain(_error_message_shape), _not_constant),
    "channel": _Evidence(_plain(_channel_shape), _few_values),
    "price": _Evidence(_plain(_price_shape)),
    "currency": _Evidence(_plain(_currency_shape), _half(_few_values)),
    "segments": _Evidence(_plain(_segments_shape)),
    "batch_id": _Evidence(_client_id_shape),
    "client_batch_id": _Evidence(_client_id_shape),
}


# --- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Score:
    path: str
    confidence: float
    order: int
    named: float  # the name evidence alone


def _shape_score(field_name: str, column: _Column, vocabularies: Vocabularies) -> float:
    """The mean shape score over the column's values; 0 (no evidence) when it has none."""
    counts = Counter((type(value), value) for value in column.values)
    if not counts:
        return 0.0
    shape = _EVIDENCE[field_name].shape
    total = sum(shape(value, vocabularies) * n for (_, value), n in counts.items())
    return total / sum(counts.values())


def _behaviour_score(field_name: str, column: _Column) -> float:
    behaviour = _EVIDENCE[field_name].behaviour
    values = column.values
    return behaviour(values) if behaviour is not None and len(values) >= 2 else 0.0


def _proximity(steps: tuple[str | int, ...], status_steps: tuple[str | int, ...]) -> float:
    """1 for a sibling of the status, less the further apart the two containers are."""
    here, there = _container(steps), _container(status_steps)
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    return 1.0 / (1 + len(here) + len(there) - 2 * common)


def _container(steps: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The object holding a leaf's key: ``message.to[0]`` -> ``message``."""
    last_key = max((i for i, step in enumerate(steps) if isinstance(step, str)), default=0)
    return steps[:last_key]


def _score_columns(
    columns: dict[str, _Column], vocabularies: Vocabularies
) -> dict[str, list[_Score]]:
    """Every field's candidate paths, best first."""
    raw: dict[str, dict[str, float]] = {name: {} for name in DETECTED_FIELDS}
    named: dict[tuple[str, str], float] = {}
    for column in columns.values():
        context = _context(column.steps)
        for name in DETECTED_FIELDS:
            name_score = _name_score(name, context)
            confidence = (
                WEIGHTS.name * name_score
                + WEIGHTS.shape * _shape_score(name, column, vocabularies)
                + WEIGHTS.behaviour * _behaviour_score(name, column)
            )
            if confidence > 0:
                raw[name][column.path] = confidence
                named[name, column.path] = name_score
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
                _Score(path, max(0.0, min(1.0, c)), columns[path].order, named[name, path])
                for path, c in found.items()
            ),
            key=lambda score: (-score.confidence, score.order),
        )
        for name, found in raw.items()
    }


def _assign(
    scores: dict[str, list[_Score]],
    columns: dict[str, _Column],
    known: dict[str, str] | None = None,
) -> tuple[dict[str, FieldGuess], dict[str, FieldGuess]]:
    """Give each path to at most one field, most confident pairs first; ``known`` paths (a
    recognized provider's) are given first, with full confidence."""
    for name, path in (known or {}).items():
        others = [score for score in scores[name] if score.path != path]
        scores[name] = [_Score(path, 1.0, columns[path].order, 1.0), *others]
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
    message = chosen.get("error_message")
    if "error_code" not in chosen and message and _reason_words(columns[message].values):
        # A reason given as a word (InsufficientBalance, NO_ROUTE) is the code to report on.
        chosen["error_code"] = chosen.pop("error_message")
        scores["error_code"] = [s for s in scores["error_message"] if s.path == message]
    if "message_id" not in chosen and "batch_id" in chosen:
        # Sinch names its per-recipient report by the batch: with no other id, that is it.
        chosen["message_id"] = chosen.pop("batch_id")
        scores["message_id"] = [
            _Score(s.path, s.confidence, s.order, s.named) for s in scores["batch_id"]
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


def _unique_id(
    candidates: list[_Score], columns: dict[str, _Column], taken: Iterable[str]
) -> _Score | None:
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
        if all(_opaque_id(value) for value in values):
            return _Score(
                score.path, min(1.0, score.confidence + WEIGHTS.name / 2), score.order, 0.5
            )
    return None


def _reason_words(values: list[Any]) -> bool:
    """Reason codes written as words: one token each, no sentence (``UserInBlacklist``)."""
    return bool(values) and all(
        isinstance(v, str) and _CODE.fullmatch(v) and any(c.isalpha() for c in v) for v in values
    )


def _opaque_id(value: Any) -> bool:
    return isinstance(value, str) and bool(
        _UUID.fullmatch(value)
        or _SID.fullmatch(value)
        or (_HEX_ID.fullmatch(value) and any(c.isdigit() for c in value))
    )


def _repeats_a_chosen_path(path: str, chosen: Iterable[str], columns: dict[str, _Column]) -> bool:
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


# --- the status table ------------------------------------------------------------------------


def _status_table(
    status: FieldGuess | None,
    columns: dict[str, _Column],
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
_SUCCESS_KEYS = _words("success successful succeeded delivered ok is_delivered")


def _names_success(path: str) -> bool:
    """A flag's key that says delivery succeeded (``success``, ``isDelivered``)."""
    steps = _steps(path) or ()
    keys = [step for step in steps if isinstance(step, str)]
    return bool(keys) and "_".join(_tokens(keys[-1])) in _SUCCESS_KEYS


def _codes_read_beside(
    path: str, columns: dict[str, _Column], vocabularies: Vocabularies
) -> dict[str, str]:
    """Numeric status codes read by the words beside them: Telesign's `code` 200 next to
    "Delivered to handset", MSG91's `status` 1 next to `desc` DELIVERED. A code is read only
    when every receipt carrying it reads the same in the sibling that explains most codes."""
    status = columns[path]
    codes = {i: _word(v) for i, v in status.by_receipt.items() if _digits(v) is not None}
    if not codes:
        return {}
    best: dict[str, str] = {}
    for column in columns.values():
        if column is status or _container(column.steps) != _container(status.steps):
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


def _score_by_labels(
    status: list[_Score], columns: dict[str, _Column], labels: Sequence[str | None]
) -> None:
    """The labels decide the status: a path whose values separate them gains, others lose."""
    for i, score in enumerate(status):
        moved = score.confidence + 0.5 * _separation(columns[score.path].by_receipt, labels)
        status[i] = dataclasses.replace(score, confidence=max(0.0, min(1.0, moved)))
    status.sort(key=lambda score: (-score.confidence, score.order))


def _labelled_table(
    status: FieldGuess, columns: dict[str, _Column], labels: Sequence[str | None]
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


# Keys that name what kind of body this is (8x8's namespace and eventType): a mapping's `match`.
_TYPE_KEYS = _words(
    "namespace event_type eventtype event type kind object topic notification_type "
    "message_type category resource event_name webhook_type"
)


def _type_keys(
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
            steps = _steps(text)
            if steps is None or len(steps) > 2 or any(isinstance(s, int) for s in steps):
                continue
            key = "_".join(_tokens(str(steps[-1])))
            if key not in _TYPE_KEYS or not isinstance(value, str) or text in taken:
                continue
            if _WORD.fullmatch(value) and not vocabularies.knows(value):
                here[text] = value
        found = here if found is None else {k: v for k, v in found.items() if here.get(k) == v}
    return found or {}


def _naive_times(event_at: FieldGuess | None, columns: dict[str, _Column]) -> bool:
    """Whether the event times are written without a zone (``2026-11-24 08:30:01``)."""
    if event_at is None:
        return False
    for value in columns[event_at.path].values:
        if isinstance(value, str) and _is_iso_time(value):
            with contextlib.suppress(ValueError):
                if datetime.fromisoformat(value.replace("z", "Z")).tzinfo is None:
                    return True
    return False


def _word(value: Any) -> str:
    """A status value as a table key (the word of ``"WORD | text"``, ``true`` for a flag); ""
    for values a status table cannot hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str | int | float):
        return ""
    text = status_word(value) if isinstance(value, str) else str(value)
    return text if _representable(text) and len(text) <= 256 else ""


# --- TOML rendering --------------------------------------------------------------------------

_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _representable(text: str) -> bool:
    """Whether a TOML file can hold the text (no lone surrogates)."""
    return not any("\ud800" <= char <= "\udfff" for char in text)


def _toml_string(text: str) -> str:
    """A TOML basic string, escaping quotes, backslashes and control characters."""
    out = []
    for char in text:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif char < " " or char == "\x7f":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _comment_path(path: str) -> str:
    """A path as it can sit in a comment: bare when plain, quoted and escaped otherwise."""
    plain = all(" " <= char != "\x7f" for char in path) and path == path.strip()
    return path if plain and path else _toml_string(path)


def _describe(guess: FieldGuess) -> str:
    runner = (
        f"{_comment_path(guess.runner_up)} ({guess.runner_up_confidence:.2f})"
        if guess.runner_up is not None
        else "none"
    )
    return f"confidence {guess.confidence:.2f}, runner-up {runner}"
