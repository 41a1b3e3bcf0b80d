"""`receipts mappings try`: what a mapping makes of sample bodies, before it goes live."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from receipts.mapping.compile import CompiledMapping, Unmappable
from receipts.mapping.receipt import Receipt
from receipts.mapping.status import Status

_OPTIONAL = tuple(field.name for field in dataclasses.fields(Receipt) if field.default is None)


@dataclass(frozen=True)
class Trial:
    sample: str
    receipts: tuple[Receipt, ...] = ()
    error: str | None = None
    ignored: bool = False

    @property
    def empty(self) -> tuple[str, ...]:
        """Normalized fields that came out empty in every receipt of the sample."""
        return tuple(
            name for name in _OPTIONAL if all(getattr(r, name) is None for r in self.receipts)
        )

    @property
    def unknown_statuses(self) -> tuple[str, ...]:
        """Provider statuses the mapping's status table does not know: stored as `unknown`."""
        found = (r.provider_status for r in self.receipts if r.status == Status.UNKNOWN)
        return tuple(dict.fromkeys(found))

    @property
    def unknown_reasons(self) -> tuple[str, ...]:
        """Failure codes no table or word explains: stored with the reason `other`."""
        found = (
            r.error_code or r.provider_error_code or r.provider_detail or r.provider_status
            for r in self.receipts
            if r.reason_category == "other"
        )
        return tuple(dict.fromkeys(code for code in found if code))

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample": self.sample,
            "ignored": self.ignored,
            "error": self.error,
            "receipts": [
                {k: v for k, v in dataclasses.asdict(r).items() if v is not None}
                for r in self.receipts
            ],
            "empty": list(self.empty) if self.receipts else [],
            "unknown_statuses": list(self.unknown_statuses),
            "unknown_reasons": list(self.unknown_reasons),
        }


def try_mapping(mapping: CompiledMapping, sample: str, body: Any) -> Trial:
    items = body if isinstance(body, list) else [body]
    receipts: list[Receipt] = []
    for item in items:
        if not mapping.matches(item):
            return Trial(sample, error=f"does not match {describe_match(mapping.spec.match)}")
        if mapping.spec.ignore:
            return Trial(sample, ignored=True)
        try:
            receipts.extend(mapping.load(item))
        except Unmappable as error:
            return Trial(sample, error=f"{error.code}: {error.detail}")
    return Trial(sample, tuple(receipts))


def describe_match(match: Mapping[str, tuple[str, ...]]) -> str:
    """A `match` table as a reader would write it: `namespace = "SMS", eventType = ...`."""
    if not match:
        return "(no match: every body)"
    parts = []
    for path, accepted in match.items():
        values = ", ".join(orjson.dumps(value).decode() for value in accepted)
        parts.append(f"{path} = {values if len(accepted) == 1 else f'[{values}]'}")
    return ", ".join(parts)


def show_value(value: Any) -> str:
    """A receipt value as text: times in ISO 8601 UTC, prices exact, never a Python repr."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")  # exact: a float would round 0.1 + 0.2
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def trials_json(trials: list[Trial]) -> bytes:
    """Every trial as one JSON document; datetimes in RFC 3339 UTC, Decimals as exact text."""
    return orjson.dumps(
        [trial.to_dict() for trial in trials],
        default=_json_default,
        option=orjson.OPT_INDENT_2 | orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS,
    )


def trial_lines(trial: Trial) -> list[str]:
    """One sample's result as the text `mappings try` prints."""
    if trial.error or trial.ignored:
        return [f"{trial.sample}: {trial.error or 'ignored (no receipt)'}"]
    lines = [f"{trial.sample}: {len(trial.receipts)} receipt(s)"]
    for receipt in trial.to_dict()["receipts"]:
        lines += [f"  {key}: {show_value(value)}" for key, value in receipt.items()]
    lines.append(f"  empty: {', '.join(trial.empty) or '-'}")
    if trial.unknown_statuses:
        words = ", ".join(trial.unknown_statuses)
        lines.append(f"  warning: not in the [status] table, stored as unknown: {words}")
    if trial.unknown_reasons:
        codes = ", ".join(trial.unknown_reasons)
        lines.append(f"  warning: failure reason not known, stored as other: {codes} ([reasons])")
    return lines
