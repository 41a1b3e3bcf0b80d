"""Which reason reader applies to a stored receipt: the one of the mapping that made it."""

from __future__ import annotations

from functools import lru_cache

from receipts.mapping.catalogue import load_catalogue
from receipts.mapping.compile import reason_reader
from receipts.mapping.engine import MappingSet
from receipts.mapping.files import catalogue_id_of
from receipts.mapping.reasons import ReasonReader


class ReasonsByMapping:
    """Readers by stored mapping label (`8x8-sms@3f2a...`, `twilio@detected-v1`): the loaded
    file of that name, else the catalogue provider its name starts with."""

    def __init__(self, mappings: MappingSet) -> None:
        self._specs = {compiled.spec.name: compiled.spec for compiled in mappings.mappings}
        self.reader = lru_cache(maxsize=None)(self._reader)  # label -> ReasonReader

    def _reader(self, label: str) -> ReasonReader:
        name = label.split("@", 1)[0]
        if name in self._specs:
            return reason_reader(self._specs[name])
        provider = catalogue_id_of(name)
        return ReasonReader(load_catalogue().providers[provider] if provider else None)
