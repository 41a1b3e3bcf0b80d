"""What detection found, and the complete mapping file it prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from receipts.exceptions import ReceiptsError
from receipts.mapping.catalogue import ProviderEntry
from receipts.mapping.detection.rules import DETECTED_FIELDS, THRESHOLD
from receipts.mapping.detection.scoring import FieldGuess
from receipts.mapping.receipt import REQUIRED_FIELDS
from receipts.mapping.values import status_word
from receipts.mapping.vocabularies import Vocabularies


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
        if self.provider is not None:
            lines.append(f"provider = {_toml_string(self.provider.id)}  # reads its error codes")
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


class NoReceiptError(ReceiptsError, ValueError):
    """The samples hold no delivery receipt: no message id or no status could be found."""

    def __init__(self, found: DetectedMapping) -> None:
        missing = [name for name in REQUIRED_FIELDS if name not in found.fields]
        super().__init__(
            f"no delivery receipt in the samples: found no {' and no '.join(missing)}"
            " (an inbound message or another kind of event?); nothing to map"
        )


_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


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
