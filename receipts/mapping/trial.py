"""`receipts mappings try`: what a mapping makes of sample bodies, before it goes live."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from receipts.mapping.compile import CompiledMapping, Unmappable
from receipts.mapping.receipt import Receipt

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
        }


def try_mapping(mapping: CompiledMapping, sample: str, body: Any) -> Trial:
    items = body if isinstance(body, list) else [body]
    receipts: list[Receipt] = []
    for item in items:
        if not mapping.matches(item):
            return Trial(sample, error=f"does not match {dict(mapping.spec.match)}")
        if mapping.spec.ignore:
            return Trial(sample, ignored=True)
        try:
            receipts.extend(mapping.load(item))
        except Unmappable as error:
            return Trial(sample, error=f"{error.code}: {error.detail}")
    return Trial(sample, tuple(receipts))
