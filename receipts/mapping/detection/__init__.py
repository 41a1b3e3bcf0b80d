"""Automatic mapping detection: which path of a provider's body holds each normalized field.

First the provider catalogue (``receipts.mapping.catalogue``): bodies whose keys match a
known provider's signature are read as its entry says, with its whole status table
(``bodies.recognize``). Everything else falls to the general rules, which know no provider:

- ``rules``: the key name, in any naming style (``MessageSid``, ``msg_id``, ``done date``),
  read with its parent key, so that ``status.timestamp`` and ``price.total`` count;
- ``shapes``: the shape of its values (ids, ISO 8601, epoch and SMPP times, phone numbers,
  currencies, status words read by the vocabularies or their stems);
- ``scoring``: how values behave across samples (an id varies, a status takes few values and
  is in every receipt), the proximity to the status, then one path per field, most confident
  first, with rules for what names alone miss (an unnamed unique id, a lone time column, a
  reason word as the error code). A field below ``THRESHOLD`` is left unmapped, never guessed;
- ``statuses``: the observed status values read as the provider, the vocabularies, flags,
  initials, the words beside numeric codes, or the caller's labels (``--as``);
- ``bodies``: where the receipts are (an envelope's list whose items carry ids) and the kind
  of body (``match``); ``output``: the complete mapping file; ``samples``: sample files.

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
from receipts.mapping.detection.samples import (
    SampleError,
    parse_sample_text,
    read_labelled_samples,
    read_sample_files,
)
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
    "read_labelled_samples",
    "read_sample_files",
]
