"""Mapping files: TOML in the format README.md's "Write a mapping" shows, checked by one
marshmallow schema (MappingFileSchema below is the format's definition).

Every problem is reported as file, key and reason, because the person who reads it is editing
that file in another window.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from receipts.exceptions import ReceiptsError
from receipts.mapping.catalogue import REASON_CATEGORIES, ErrorEntry, load_catalogue
from receipts.mapping.paths import PathSyntaxError, compile_path
from receipts.mapping.receipt import FIELD_NAMES, REQUIRED_FIELDS
from receipts.mapping.status import STATUSES

AUTO = "auto"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class MappingFileError(ReceiptsError, ValueError):
    """A mapping file that cannot be used; str() reads `file: key: reason`."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file, self.key, self.reason = file, key, reason


@dataclass(frozen=True)
class MappingSpec:
    """A mapping file as written, checked but not yet compiled."""

    name: str
    version: str
    source: str
    channel: str | None = None
    match: dict[str, tuple[str, ...]] = field(default_factory=dict)
    each: str = ""
    ignore: bool = False
    auto: bool = False
    interim: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    provider: str | None = None  # catalogue id whose error table reads failures
    reasons: dict[str, ErrorEntry] = field(default_factory=dict)  # code -> reason, over it

    @property
    def label(self) -> str:
        """What a stored receipt records as the mapping that produced it."""
        return f"{self.name}@{self.version}"


class _PathField(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text == AUTO:
            return text
        try:
            compile_path(text)
        except PathSyntaxError as error:
            raise ValidationError(f"bad path {text!r}: {error}") from None
        return text


class _MatchValue(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple:
        values = [value] if isinstance(value, str) else value
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise ValidationError("expected a string or a non-empty list of strings")
        return tuple(values)


class _ReasonValue(fields.Field):
    """A `[reasons]` value: a category, or `{ category = ..., permanent = true }`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> ErrorEntry:
        entry = {"category": value} if isinstance(value, str) else value
        if not isinstance(entry, dict) or entry.get("category") not in REASON_CATEGORIES:
            raise ValidationError(f"expected one of {', '.join(REASON_CATEGORIES)}")
        if set(entry) - {"category", "permanent", "text"} or not isinstance(
            entry.get("permanent", False), bool
        ):
            raise ValidationError("expected keys category, permanent (true/false) and text")
        return ErrorEntry(entry["category"], entry.get("permanent"), entry.get("text"))


class MappingFileSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(validate=validate.Regexp(_NAME, error="letters, digits, '.', '_', '-'"))
    channel = fields.String(validate=validate.Length(min=1, max=32))
    match = fields.Dict(keys=_PathField(), values=_MatchValue())
    each = fields.String()
    ignore = fields.Boolean(truthy={True}, falsy={False})
    auto = fields.Boolean(truthy={True}, falsy={False})
    interim = fields.List(fields.String(validate=validate.Length(min=1)))
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(validate=validate.OneOf(FIELD_NAMES, error="not a normalized field")),
        values=_PathField(),
    )
    status = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1)),
        values=fields.String(validate=validate.OneOf(STATUSES, error="not a normalized status")),
    )
    provider = fields.String(
        validate=validate.OneOf(
            sorted(load_catalogue().providers), error="not a provider of the catalogue"
        )
    )
    reasons = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1)), values=_ReasonValue()
    )

    @validates_schema
    def _complete(self, data: dict[str, Any], **kwargs: Any) -> None:
        each = data.get("each", "")
        if each:
            try:
                path = compile_path(each)
            except PathSyntaxError as error:
                raise ValidationError(f"bad path {each!r}: {error}", "each") from None
            if path.steps[-1:] != (-1,):
                raise ValidationError("must end with '[]', e.g. 'results[]'", "each")
        if data.get("ignore") or data.get("auto"):
            return
        mapped = data.get("fields_", {})
        for name in REQUIRED_FIELDS:
            if name not in mapped:
                raise ValidationError(
                    "required (or set auto = true to detect it)", f"fields.{name}"
                )


def _first_error(messages: Any, prefix: str = "") -> tuple[str, str]:
    """marshmallow's nested error dict -> the first (dotted key, reason)."""
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        key = "fields" if key == "fields_" else str(key)
        if key == "_schema":
            return _first_error(value, prefix)
        if isinstance(value, dict) and set(value) <= {"key", "value"}:
            reason = _first_error(value.get("key") or value.get("value"), "")[1]
            return f"{prefix}{key}", reason
        return _first_error(value, f"{prefix}{key}.")
    if isinstance(messages, list):
        return prefix.rstrip(".") or "(file)", str(messages[0])
    return prefix.rstrip(".") or "(file)", str(messages)


def parse_mapping(text: bytes, source: str) -> MappingSpec:
    """Check one mapping file's bytes; raises MappingFileError(file, key, reason)."""
    try:
        document = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise MappingFileError(source, "(file)", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise MappingFileError(source, "(syntax)", str(error)) from None
    try:
        data = MappingFileSchema().load(document)
    except ValidationError as error:
        raise MappingFileError(source, *_first_error(error.messages)) from None
    name = data.get("name") or Path(source).stem
    return MappingSpec(
        name=name,
        version=hashlib.sha256(text).hexdigest()[:12],
        source=source,
        channel=data.get("channel"),
        match=data.get("match", {}),
        each=data.get("each", ""),
        ignore=data.get("ignore", False),
        auto=data.get("auto", False),
        interim=tuple(data.get("interim", ())),
        fields=data.get("fields_", {}),
        status=data.get("status", {}),
        provider=data.get("provider") or catalogue_id_of(name),
        reasons={code.lower(): entry for code, entry in data.get("reasons", {}).items()},
    )


def catalogue_id_of(name: str) -> str | None:
    """The provider a mapping named `8x8-sms` or `twilio` is for, when the catalogue has it."""
    providers = load_catalogue().providers
    return next((pid for pid in providers if name == pid or name.startswith(f"{pid}-")), None)


def load_mapping_files(paths: Iterable[Path]) -> list[MappingSpec]:
    """Every `*.toml` under the given folders or files, in name order; names must be unique."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
        elif path.is_file():
            files.append(path)
        else:
            raise MappingFileError(str(path), "(file)", "no such file or folder")
    specs: dict[str, MappingSpec] = {}
    for file in files:
        try:
            text = file.read_bytes()
        except OSError as error:
            raise MappingFileError(str(file), "(file)", error.strerror or str(error)) from None
        spec = parse_mapping(text, str(file))
        if spec.name in specs:
            raise MappingFileError(
                str(file), "name", f"{spec.name!r} is also in {specs[spec.name].source}"
            )
        specs[spec.name] = spec
    return sorted(specs.values(), key=lambda spec: spec.name)
