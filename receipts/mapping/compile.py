"""Compile a mapping file into a matcher and a marshmallow schema, once, at start.

The schema's pre-load step reads every mapped path with pre-parsed steps, so mapping a body
costs a few dict lookups plus the field conversions; nothing is parsed per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load

from receipts.exceptions import ReceiptsError
from receipts.mapping import values
from receipts.mapping.catalogue import load_catalogue
from receipts.mapping.files import AUTO, MappingSpec
from receipts.mapping.paths import MISSING, Path, compile_path
from receipts.mapping.reasons import ReasonReader
from receipts.mapping.receipt import REQUIRED_FIELDS, Receipt
from receipts.mapping.status import FINAL_STATUSES, Status


class Unmappable(ReceiptsError, ValueError):
    """A body that passed authentication but cannot become a receipt; it is quarantined."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


def _field_types(spec: MappingSpec) -> dict[str, Callable[[], fields.Field]]:
    return {
        "message_id": lambda: values.MessageId(required=True),
        "client_message_id": lambda: values.Text(max_length=values.MAX_ID),
        "status": lambda: values.ProviderStatus(spec.status),
        "detail": lambda: values.Text(max_length=values.MAX_ID),
        "event_at": values.EventTime,
        "recipient": values.Phone,
        "sender": lambda: values.Text(max_length=64),
        "error_code": lambda: values.Text(max_length=64),
        "error_message": values.Text,
        "provider_error_code": lambda: values.Text(max_length=64),
        "channel": lambda: values.Lower(max_length=32),
        "price": values.Price,
        "currency": values.Currency,
        "segments": values.Segments,
        "batch_id": lambda: values.Text(max_length=values.MAX_ID),
        "client_batch_id": lambda: values.Text(max_length=values.MAX_ID),
    }


class _ReceiptSchema(Schema):
    """Base of every compiled schema: paths in, a Receipt out."""

    class Meta:
        unknown = EXCLUDE

    paths: ClassVar[tuple[tuple[str, Path], ...]] = ()
    default_channel: ClassVar[str | None] = None
    interim: ClassVar[frozenset[str]] = frozenset()
    reasons: ClassVar[ReasonReader] = ReasonReader()

    @pre_load
    def _read_paths(self, body: Any, **kwargs: Any) -> dict[str, Any]:
        extracted = {}
        for name, path in self.paths:
            value = path.get(body)
            if value is not MISSING and value is not None:
                extracted[name] = value
        return extracted

    readers: tuple[tuple[str, Path, Callable[[Any], Any]], ...] = ()

    def read(self, body: Any) -> Receipt:
        """What `load` returns, calling each field's conversion directly: the hot path."""
        data: dict[str, Any] = {}
        for name, path, convert in self.readers:
            value = path.get(body)
            if value is not MISSING and value is not None:
                try:
                    data[name] = convert(value)
                except ValidationError as error:
                    raise ValidationError({name: error.messages}) from None
        for name in REQUIRED_FIELDS:
            if name not in data:
                raise ValidationError({name: [fields.Field.default_error_messages["required"]]})
        try:
            return self._to_receipt(data)
        except ValidationError as error:
            raise ValidationError(error.normalized_messages()) from None

    @post_load
    def _to_receipt(self, data: dict[str, Any], **kwargs: Any) -> Receipt:
        provider_status = data.pop("status")
        if provider_status is None:
            raise ValidationError("is empty", "status")
        if data.get("message_id") is None:
            raise ValidationError("is empty", "message_id")
        status = self.fields["status"].normalize(provider_status)
        detail = data.pop("detail", None)
        interim = provider_status.lower() in self.interim or (detail or "").lower() in self.interim
        data.setdefault("channel", self.default_channel)
        if status == Status.FAILED:
            reason = self.reasons.read_failure(
                data.get("error_code"),
                data.get("provider_error_code"),
                detail,
                provider_status,
                data.get("error_message"),
                data.get("channel"),
            )
            data["reason_category"], data["permanent"] = reason.category, reason.permanent
        return Receipt(
            status=status,
            provider_status=provider_status,
            provider_detail=detail,
            final=status in FINAL_STATUSES and not interim,
            **{key: value for key, value in data.items() if value is not None},
        )


@dataclass(frozen=True)
class CompiledMapping:
    spec: MappingSpec
    match: tuple[tuple[Path, frozenset[str]], ...]
    each: tuple[Path, Path] | None
    schema: _ReceiptSchema | None

    def matches(self, body: Any) -> bool:
        for path, accepted in self.match:
            value = path.get(body)
            if value is MISSING or isinstance(value, dict | list):
                return False
            if (value if isinstance(value, str) else str(value)) not in accepted:
                return False
        return True

    def load(self, body: Any) -> list[Receipt]:
        """The body's receipts; raises Unmappable naming the field and its path."""
        assert self.schema is not None, "an ignore mapping makes no receipts"
        if self.each is None:
            return [self._load_one(body)]
        items = self.each[0].get(body)
        if not isinstance(items, list) or not items:
            raise Unmappable("missing_field", f"{self.spec.each}: expected a non-empty list")
        return [self._load_one(item) for item in items]

    def _load_one(self, body: Any) -> Receipt:
        try:
            return self.schema.read(body)
        except ValidationError as error:
            raise Unmappable(*self._describe(error.messages)) from None

    def _describe(self, messages: dict[str, Any]) -> tuple[str, str]:
        name, reasons = next(iter(messages.items()))
        reason = reasons[0] if isinstance(reasons, list) else str(reasons)
        path = self.spec.fields.get(name, "")
        code = "missing_field" if "required" in reason or "empty" in reason else "invalid_field"
        if path and self.spec.each:
            path = f"{self.spec.each}.{path}"
        where = f"{name} ({path})" if path else name
        return code, f"{where}: {reason}"


def reason_reader(spec: MappingSpec) -> ReasonReader:
    """How a mapping's failures are read: its `[reasons]` over its provider's error table."""
    provider = load_catalogue().providers.get(spec.provider) if spec.provider else None
    return ReasonReader(provider, spec.reasons or None)


def compile_mapping(spec: MappingSpec) -> CompiledMapping:
    match = tuple(
        (compile_path(path), frozenset(accepted)) for path, accepted in spec.match.items()
    )
    each = compile_path(spec.each).split_each() if spec.each else None
    if spec.ignore:
        return CompiledMapping(spec, match, each, None)
    types = _field_types(spec)
    mapped = {name: path for name, path in spec.fields.items() if path != AUTO}
    attributes: dict[str, Any] = {name: types[name]() for name in mapped}
    attributes["paths"] = tuple((name, compile_path(path)) for name, path in mapped.items())
    attributes["default_channel"] = spec.channel.lower() if spec.channel else None
    attributes["interim"] = frozenset(word.lower() for word in spec.interim)
    attributes["reasons"] = reason_reader(spec)
    schema = type(f"{spec.name}Schema", (_ReceiptSchema,), attributes)()
    schema.readers = tuple(
        (name, path, schema.fields[name].convert) for name, path in attributes["paths"]
    )
    return CompiledMapping(spec, match, each, schema)
