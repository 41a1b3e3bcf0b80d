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

from collections.abc import Sequence
from typing import Any

from receipts.mapping.catalogue import Catalogue, load_catalogue
from receipts.mapping.detection.bodies import (
    collect_columns,
    provider_paths,
    recognize,
    split_receipts,
    type_keys,
)
from receipts.mapping.detection.output import DetectedMapping, NoReceiptError
from receipts.mapping.detection.rules import DETECTED_FIELDS, THRESHOLD
from receipts.mapping.detection.samples import SampleError, parse_sample_text
from receipts.mapping.detection.scoring import FieldGuess, assign_paths, naive_times, score_columns
from receipts.mapping.detection.statuses import labelled_table, read_status_table, score_by_labels
from receipts.mapping.vocabularies import vocabularies_of


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
    provider = recognize(samples, catalogue)
    each, receipts, origin = split_receipts(samples, vocabularies, provider)
    columns = collect_columns(receipts)
    scores = score_columns(columns, vocabularies)
    receipt_labels = [labels[i] for i in origin] if labels else []
    if any(receipt_labels):
        score_by_labels(scores["status"], columns, receipt_labels)
    fields, candidates = assign_paths(scores, columns, provider_paths(provider, columns))
    if any(receipt_labels) and "status" in fields:
        status_table, unknown = labelled_table(fields["status"], columns, receipt_labels)
        vocabulary = None
    else:
        status_table, unknown, vocabulary = read_status_table(
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
        match=type_keys(samples, fields, vocabularies) if fields else {},
        naive_times=naive_times(fields.get("event_at"), columns),
        labelled=any(receipt_labels),
    )


__all__ = [
    "DETECTED_FIELDS",
    "THRESHOLD",
    "DetectedMapping",
    "FieldGuess",
    "NoReceiptError",
    "SampleError",
    "detect_mapping",
    "parse_sample_text",
]
