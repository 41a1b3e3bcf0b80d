"""The provider catalogue: what each known messaging provider's delivery receipts look like.

One TOML file per provider in ``receipts/mapping/providers/`` (data, reviewed like a mapping
file). Detection uses an entry to recognize a provider's bodies and read their fields and
status values; the failure-reason vocabulary uses its error table. A file reads::

    name = "Twilio"                      # the provider's own name
    channels = ["sms", "whatsapp"]
    each = ""                            # list path of the receipts in a body ("" for none)
    signature = ["MessageSid", "MessageStatus"]   # keys that, all present, name this provider

    [sources]                            # where each table was read: public documentation
    fields = "https://www.twilio.com/docs/messaging/guides/track-outbound-message-status"
    status = "https://www.twilio.com/docs/messaging/api/message-resource#message-status-values"
    errors = "https://www.twilio.com/docs/api/errors"

    [fields]                             # normalized field -> path, or paths (first present)
    message_id = ["MessageSid", "SmsSid"]
    status = "MessageStatus"

    [status]                             # provider value -> normalized status; keys are text:
    delivered = "delivered"              # words, numeric codes ("1"), single letters ("d"),
    undelivered = "failed"               # event-type names, "true"/"false" for flags

    [errors]                             # provider error code or reason word -> reason category
    "30003" = "unreachable"
    "30005" = { category = "invalid_number", permanent = true, text = "Unknown destination" }

The file's stem is the provider's id (``twilio``); corpus folders under tests/mapping/corpus
use the same ids, so an evaluation can leave one provider's entry out.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from receipts.exceptions import ReceiptsError
from receipts.mapping.receipt import FIELD_NAMES
from receipts.mapping.status import STATUSES

# The one failure-reason vocabulary across providers (receipts/mapping/reasons.py).
REASON_CATEGORIES = (
    "invalid_number",
    "unreachable",
    "blocked_by_carrier",
    "spam_filtered",
    "opted_out",
    "expired",
    "not_on_channel",
    "window_closed",
    "content_rejected",
    "account_problem",
    "provider_error",
    "other",
)


class CatalogueError(ReceiptsError, ValueError):
    """A provider file is malformed; str() names the file, the key and the reason."""


@dataclass(frozen=True)
class ErrorEntry:
    """One provider error code (or reason word) read into the reason vocabulary."""

    category: str
    permanent: bool | None = None  # None: the category's usual permanence decides
    text: str | None = None


@dataclass(frozen=True)
class ProviderEntry:
    id: str
    name: str
    channels: tuple[str, ...] = ()
    each: str = ""
    signature: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    status: Mapping[str, str] = field(default_factory=dict)  # lower-cased value -> status
    errors: Mapping[str, ErrorEntry] = field(default_factory=dict)  # lower-cased code -> entry


@dataclass(frozen=True, eq=False)  # compared by identity, so derived tables can be cached
class Catalogue:
    providers: Mapping[str, ProviderEntry]  # id -> entry, in id order

    def without(self, *ids: str) -> Catalogue:
        """The catalogue less some providers: for leave-one-provider-out evaluation."""
        return Catalogue({k: v for k, v in self.providers.items() if k not in ids})


def _paths(value: object, where: str) -> tuple[str, ...]:
    paths = [value] if isinstance(value, str) else value
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise CatalogueError(f"{where}: expected a path or a list of paths")
    return tuple(paths)


def _error(value: object, where: str) -> ErrorEntry:
    entry = {"category": value} if isinstance(value, str) else value
    if not isinstance(entry, dict) or entry.get("category") not in REASON_CATEGORIES:
        raise CatalogueError(f"{where}: expected one of {', '.join(REASON_CATEGORIES)}")
    unknown = set(entry) - {"category", "permanent", "text"}
    if unknown:
        raise CatalogueError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    if not isinstance(entry.get("permanent", False), bool):
        raise CatalogueError(f"{where}.permanent: expected true or false")
    return ErrorEntry(entry["category"], entry.get("permanent"), entry.get("text"))


def parse_provider(provider_id: str, text: str, source: str) -> ProviderEntry:
    """Check and load one provider file; raises CatalogueError naming file and key."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"{source}: {error}") from None
    known = {"name", "channels", "each", "signature", "sources", "fields", "status", "errors"}
    for key in doc:
        if key not in known:
            raise CatalogueError(f"{source}: {key}: unknown key")
    if not isinstance(doc.get("name"), str):
        raise CatalogueError(f"{source}: name: required, a string")
    fields = {}
    for name, paths in doc.get("fields", {}).items():
        if name not in FIELD_NAMES:
            raise CatalogueError(f"{source}: fields.{name}: not a normalized field")
        fields[name] = _paths(paths, f"{source}: fields.{name}")
    status: dict[str, str] = {}
    for value, normalized in doc.get("status", {}).items():
        if normalized not in STATUSES:
            raise CatalogueError(f"{source}: status.{value}: {normalized!r} is not a status")
        if status.setdefault(value.lower(), normalized) != normalized:
            raise CatalogueError(f"{source}: status.{value}: spelled twice, two meanings")
        status[value.lower()] = normalized
    errors = {
        code.lower(): _error(value, f"{source}: errors.{code}")
        for code, value in doc.get("errors", {}).items()
    }
    return ProviderEntry(
        id=provider_id,
        name=doc["name"],
        channels=tuple(doc.get("channels", ())),
        each=doc.get("each", ""),
        signature=tuple(doc.get("signature", ())),
        sources=dict(doc.get("sources", {})),
        fields=fields,
        status=status,
        errors=errors,
    )


def parse_catalogue(files: Iterable[Traversable]) -> Catalogue:
    entries = [
        parse_provider(file.name.removesuffix(".toml"), file.read_text("utf-8"), file.name)
        for file in files
        if file.name.endswith(".toml")
    ]
    return Catalogue({entry.id: entry for entry in sorted(entries, key=lambda e: e.id)})


@cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped with the package (read once per process)."""
    return parse_catalogue(resources.files("receipts.mapping").joinpath("providers").iterdir())
