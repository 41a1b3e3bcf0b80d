"""Mapping detection: accuracy over the provider corpus, and time to detect from 100 samples.

    python bench/detection.py

Accuracy is the share of field paths and normalized statuses right (a field right is an
accepted path, or correctly left unmapped where none is expected; a status right is an
observed status value read as expected.toml says). It is printed two ways:

- leave one provider out: the provider under test contributes nothing to detection (its
  catalogue entry, and so its status table, is removed), as for a provider never seen. This
  is the figure that says how detection generalizes;
- in sample: the whole catalogue, as shipped; a provider it recognizes is read from its entry.

The last eight corpus providers (exotel to brevo in expected.toml) were written after the
rules were frozen; their first leave-one-out run, before any rule looked at them, gave 90.1%
(64 of 71 fields and statuses): the figure for providers nobody tuned on.

Then (b) the time to detect from 100 samples next to a same-run baseline: walking the same
samples' leaves. Exits 1 when the leave-one-out accuracy is under 95%. The corpus and what
each provider should give are in tests/mapping/corpus (expected.toml says why each path is
right).
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from receipts.mapping.catalogue import load_catalogue  # noqa: E402
from receipts.mapping.detection import (  # noqa: E402
    DETECTED_FIELDS,
    DetectedMapping,
    detect_mapping,
    parse_sample_text,
)
from receipts.mapping.paths import MISSING, compile_path, iter_leaves  # noqa: E402

CORPUS = REPO / "tests" / "mapping" / "corpus"
TARGET = 0.95
SAMPLES_TIMED = 100
REPEATS = 5

SHORT = {
    "message_id": "msg_id",
    "client_message_id": "client",
    "status": "status",
    "detail": "detail",
    "event_at": "event",
    "recipient": "to",
    "sender": "from",
    "error_code": "err",
    "error_message": "err_msg",
    "channel": "chan",
    "price": "price",
    "currency": "ccy",
    "segments": "segs",
    "batch_id": "batch",
    "client_batch_id": "cbatch",
}
# Cell marks: right (an accepted path, or correctly left unmapped where nothing is expected),
# MISS (expected but unmapped), WRONG (mapped to another path), EXTRA (mapped, none expected).
RIGHT, MISS, WRONG, EXTRA, NOTHING = "ok", "MISS", "WRONG", "EXTRA", "."


def accepted(spec: dict[str, Any], table: str) -> dict[str, list[str]]:
    return {
        name: [paths] if isinstance(paths, str) else list(paths)
        for name, paths in spec.get(table, {}).items()
    }


def load_corpus() -> dict[str, tuple[dict[str, Any], list[Any]]]:
    expected = tomllib.loads((CORPUS / "expected.toml").read_text("utf-8"))
    corpus = {}
    for provider, spec in expected.items():
        files = sorted((CORPUS / provider).iterdir())
        bodies = [body for file in files for body in parse_sample_text(file.read_text("utf-8"))]
        corpus[provider] = (spec, bodies)
    return corpus


def receipts_of(body: Any, each: str) -> list[Any]:
    items = body if isinstance(body, list) else [body]
    if not each:
        return items
    head = compile_path(each).split_each()[0]
    return [item for body in items for item in (head.get(body) or [])]


def present(paths: list[str], receipts: list[Any]) -> bool:
    """Whether the samples hold a value at one of the paths (a field cannot be found if not)."""
    for path in paths:
        compiled = compile_path(path)
        for receipt in receipts:
            if compiled.get(receipt) not in (MISSING, None, ""):
                return True
    return False


def judge(spec: dict[str, Any], bodies: list[Any], mapping: DetectedMapping) -> dict[str, str]:
    """Field -> cell mark for one detection run."""
    required, optional = accepted(spec, "fields"), accepted(spec, "optional")
    receipts = [r for body in bodies for r in receipts_of(body, spec["each"])]
    marks = {}
    for name in DETECTED_FIELDS:
        guess = mapping.fields.get(name)
        if name in required and present(required[name], receipts):
            if guess is None:
                marks[name] = MISS
            else:
                marks[name] = RIGHT if guess.path in required[name] else WRONG
        elif guess is None or guess.path in required.get(name, []) + optional.get(name, []):
            marks[name] = NOTHING
        else:
            marks[name] = EXTRA
    return marks


def status_words_right(spec: dict[str, Any], mapping: DetectedMapping) -> tuple[int, int]:
    words = spec.get("status", {})
    return sum(mapping.status_table.get(w) == s for w, s in words.items()), len(words)


def print_accuracy(corpus: dict[str, tuple[dict[str, Any], list[Any]]], held_out: bool) -> float:
    """The per-provider table and totals; returns the share of fields and statuses right."""
    catalogue = load_catalogue()
    title = "leave one provider out" if held_out else "in sample (the whole catalogue)"
    print(f"({title}) detection over all of a provider's samples at once")
    header = f"{'provider':15}" + "".join(f"{SHORT[f]:>7}" for f in DETECTED_FIELDS)
    print(header + f"{'each':>6}{'words':>7}{'fields':>8}  recognized as")
    totals: Counter[str] = Counter()
    single: Counter[str] = Counter()
    words_right = words_total = each_right = 0
    for provider, (spec, bodies) in corpus.items():
        seen = catalogue.without(provider) if held_out else catalogue
        mapping = detect_mapping(bodies, catalogue=seen)
        marks = judge(spec, bodies, mapping)
        totals.update(marks.values())
        right, total = status_words_right(spec, mapping)
        words_right, words_total = words_right + right, words_total + total
        each_ok = mapping.each == spec["each"]
        each_right += each_ok
        counted = [m for m in marks.values() if m != NOTHING]
        print(
            f"{provider:15}"
            + "".join(f"{marks[f]:>7}" for f in DETECTED_FIELDS)
            + f"{'ok' if each_ok else 'WRONG':>6}{f'{right}/{total}':>7}"
            + f"{f'{counted.count(RIGHT)}/{len(counted)}':>8}"
            + f"  {mapping.provider.id if mapping.provider else '-'}"
        )
        for body in bodies:
            single.update(judge(spec, [body], detect_mapping([body], catalogue=seen)).values())
    fields_counted = totals[RIGHT] + totals[MISS] + totals[WRONG] + totals[EXTRA]
    accuracy = (totals[RIGHT] + words_right) / (fields_counted + words_total)
    print(
        f"fields right {totals[RIGHT]}, missed {totals[MISS]}, wrong path {totals[WRONG]}, "
        f"mapped where none expected {totals[EXTRA]}: {rate(totals):.1%}; status values right "
        f"{words_right}/{words_total}; each right for {each_right}/{len(corpus)} providers"
    )
    print(
        f"one sample at a time: fields right {single[RIGHT]}, missed {single[MISS]}, wrong "
        f"path {single[WRONG]}, extra {single[EXTRA]}: {rate(single):.1%}"
    )
    print(f"==> {title}: {accuracy:.1%} of field paths and statuses right, {len(corpus)} providers")
    print()
    return accuracy


def rate(marks: Counter[str]) -> float:
    counted = marks[RIGHT] + marks[MISS] + marks[WRONG] + marks[EXTRA]
    return marks[RIGHT] / counted if counted else 1.0


def best_time(run: Any) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def print_timing(corpus: dict[str, tuple[dict[str, Any], list[Any]]]) -> None:
    print()
    print(f"time to detect from {SAMPLES_TIMED} samples (best of {REPEATS})")
    print(f"{'provider':15}{'receipts':>9}{'detect ms':>11}{'walk ms':>9}{'ratio':>7}")
    slowest = 0.0
    for provider, (_, bodies) in corpus.items():
        samples = (bodies * (SAMPLES_TIMED // len(bodies) + 1))[:SAMPLES_TIMED]
        receipts = detect_mapping(samples).receipt_count
        detect = best_time(lambda s=samples: detect_mapping(s))
        walk = best_time(lambda s=samples: [leaf for body in s for leaf in iter_leaves(body)])
        slowest = max(slowest, detect)
        print(
            f"{provider:15}{receipts:>9}{detect * 1000:>11.1f}{walk * 1000:>9.2f}"
            f"{detect / walk:>7.0f}x"
        )
    print(f"slowest: {slowest * 1000:.1f} ms for {SAMPLES_TIMED} samples")


def main() -> int:
    corpus = load_corpus()
    held_out = print_accuracy(corpus, held_out=True)
    in_sample = print_accuracy(corpus, held_out=False)
    print(f"leave-one-provider-out {held_out:.1%} (target {TARGET:.0%}), in sample {in_sample:.1%}")
    print_timing(corpus)
    return 0 if held_out >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
