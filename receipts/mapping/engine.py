"""Choosing the mapping for a body and running it: the mapping engine's one entry point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from receipts.mapping.compile import CompiledMapping, Unmappable, compile_mapping
from receipts.mapping.files import MappingSpec, load_mapping_files
from receipts.mapping.receipt import Receipt


@dataclass(frozen=True, slots=True)
class Mapped:
    """What a mapping made of a body: receipts, or nothing for an ignored kind of body."""

    mapping: str
    receipts: tuple[Receipt, ...]
    ignored: bool = False


class DetectedMappingSource(Protocol):
    """Supplies a detected mapping: for a connector with no file (`spec` None) or for a file
    with `auto = true`. It lives outside the engine because it remembers what it learned
    (intake/learning.py's `Learner` is the one the service uses)."""

    def __call__(self, connector: str, spec: MappingSpec | None, body: Any) -> CompiledMapping: ...


class MappingSet:
    """The loaded mapping files, compiled; bodies are routed by connector then `match`."""

    def __init__(self, specs: Sequence[MappingSpec]) -> None:
        self.mappings = tuple(compile_mapping(spec) for spec in specs)
        self._by_connector: dict[str, tuple[CompiledMapping, ...]] = {}

    @classmethod
    def from_paths(cls, *paths: Path) -> MappingSet:
        return cls(load_mapping_files(paths))

    def for_connector(self, connector: str) -> tuple[CompiledMapping, ...]:
        found = self._by_connector.get(connector)
        if found is None:
            found = tuple(m for m in self.mappings if m.spec.name.startswith(connector))
            self._by_connector[connector] = found
        return found

    def map_body(
        self, connector: str, body: Any, learner: DetectedMappingSource | None = None
    ) -> Mapped:
        """Raises Unmappable when no mapping matches or a field is missing or malformed."""
        candidates = self.for_connector(connector)
        if not candidates and learner is None:
            raise Unmappable("no_mapping", f"no mapping file for connector {connector!r}")
        items = body if isinstance(body, list) else (body,)
        if not items:
            raise Unmappable("missing_field", "the body is an empty list")
        receipts: list[Receipt] = []
        labels: list[str] = []
        ignored = True
        for item in items:
            mapping = self._choose(connector, candidates, item, learner)
            labels.append(mapping.spec.label)
            if not mapping.spec.ignore:
                ignored = False
                receipts.extend(mapping.load(item))
        return Mapped(",".join(dict.fromkeys(labels)), tuple(receipts), ignored)

    @staticmethod
    def _choose(
        connector: str,
        candidates: tuple[CompiledMapping, ...],
        item: Any,
        learner: DetectedMappingSource | None,
    ) -> CompiledMapping:
        if not candidates:
            assert learner is not None
            return learner(connector, None, item)
        mapping = next((m for m in candidates if m.matches(item)), None)
        if mapping is None:
            raise Unmappable("no_mapping", _no_match_detail(connector, candidates))
        if mapping.spec.auto and learner is not None:
            return learner(connector, mapping.spec, item)
        return mapping


def _no_match_detail(connector: str, candidates: tuple[CompiledMapping, ...]) -> str:
    names = ", ".join(m.spec.name for m in candidates)
    return f"the body matches none of the {connector!r} mappings ({names})"
