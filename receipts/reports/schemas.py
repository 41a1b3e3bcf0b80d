"""The reporting API's shapes, declared once for validation, output and OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from receipts.mapping.status import STATUSES
from receipts.store.forwards import FORWARD_STATES
from receipts.store.reports import GROUPINGS


class TimelineEntrySchema(Schema):
    status = fields.String()
    provider_status = fields.String()
    provider_detail = fields.String(allow_none=True)
    final = fields.Boolean()
    event_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()
    error_code = fields.String(allow_none=True)
    error_message = fields.String(allow_none=True)
    provider_error_code = fields.String(allow_none=True)
    mapping = fields.String()


class MessageAttributesSchema(Schema):
    """What identifies a message and stays with it, on a message and on each receipt alike."""

    connector = fields.String()
    message_id = fields.String()
    client_message_id = fields.String(allow_none=True)
    recipient = fields.String(allow_none=True)
    sender = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    price = fields.Decimal(allow_none=True, as_string=True)
    currency = fields.String(allow_none=True)
    segments = fields.Integer(allow_none=True)
    batch_id = fields.String(allow_none=True)
    client_batch_id = fields.String(allow_none=True)


class MessageSchema(MessageAttributesSchema):
    status = fields.String()
    provider_status = fields.String()
    provider_detail = fields.String(allow_none=True)
    event_at = fields.AwareDateTime()
    first_event_at = fields.AwareDateTime()
    final_at = fields.AwareDateTime(allow_none=True)
    error_code = fields.String(allow_none=True)
    error_message = fields.String(allow_none=True)
    provider_error_code = fields.String(allow_none=True)
    receipt_count = fields.Integer()
    updated_at = fields.AwareDateTime()
    timeline = fields.List(fields.Nested(TimelineEntrySchema))


class MappingInForceSchema(Schema):
    """A mapping file the service loaded, as `GET /api/v1/mappings` lists it."""

    name = fields.String()
    version = fields.String()
    label = fields.String()
    source = fields.String()
    channel = fields.String(allow_none=True)
    match = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    each = fields.String()
    ignore = fields.Boolean()
    auto = fields.Boolean()
    interim = fields.List(fields.String())
    fields_ = fields.Dict(
        data_key="fields", attribute="fields", keys=fields.String(), values=fields.String()
    )
    status = fields.Dict(keys=fields.String(), values=fields.String())


class DetectedMappingSchema(Schema):
    connector = fields.String()
    version = fields.Integer()
    sample_count = fields.Integer()
    created_at = fields.AwareDateTime()
    confidences = fields.Dict(metadata={"description": "fields, runner-ups and status table"})
    mapping = fields.String(metadata={"description": "the mapping file, ready to save"})


class MappingsSchema(Schema):
    files = fields.List(fields.Nested(MappingInForceSchema))
    detected = fields.List(fields.Nested(DetectedMappingSchema))


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    detail = fields.String(required=True)


class ErrorSchema(Schema):
    """Every error answer: `{"error": {"code", "detail"}}`."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class Instant(fields.AwareDateTime):
    """An ISO 8601 time (UTC when it names no zone), or a date meaning its midnight UTC."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object):
        if isinstance(value, str) and len(value) == 10:
            value = f"{value}T00:00:00Z"
        return super()._deserialize(value, attr, data, **kwargs)


class QueryText(fields.String):
    """A text filter; PostgreSQL text cannot hold NUL, so one is refused here, as a 400."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("must not contain NUL characters")
        return text


class RangeQuerySchema(Schema):
    """A time range, `from` inclusive and `to` exclusive, ISO 8601 with a zone."""

    from_ = Instant(data_key="from", attribute="from", default_timezone=UTC)
    to = Instant(default_timezone=UTC)

    @validates_schema
    def _ordered(self, data: dict, **kwargs: object) -> None:
        if data.get("from") and data.get("to") and data["from"] >= data["to"]:
            raise ValidationError("must be after from", "to")


class ReceiptsQuerySchema(RangeQuerySchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    connector = QueryText(validate=validate.Length(1, 200))
    channel = QueryText(validate=validate.Length(1, 50))
    sender = QueryText(validate=validate.Length(1, 200))
    country = fields.String(
        validate=validate.Regexp(r"^[A-Za-z]{2}$", error="an ISO 3166 two-letter country code"),
        metadata={"description": "recipient country, from the E.164 number (e.g. SG)"},
    )
    error_code = QueryText(validate=validate.Length(1, 50))
    client_batch_id = QueryText(validate=validate.Length(1, 200))
    overdue = fields.Boolean(
        metadata={"description": "only receipts of messages overdue for a final receipt"}
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    next = QueryText(
        validate=validate.Length(1, 200),
        metadata={"description": "the `next` cursor of the previous page"},
    )


class ReceiptSchema(TimelineEntrySchema, MessageAttributesSchema):
    id = fields.Integer()


class ReceiptPageSchema(Schema):
    receipts = fields.List(fields.Nested(ReceiptSchema))
    next = fields.String(
        allow_none=True, metadata={"description": "pass as `next` for the following page"}
    )


class SummaryQuerySchema(RangeQuerySchema):
    from_ = Instant(data_key="from", attribute="from", required=True, default_timezone=UTC)
    to = Instant(required=True, default_timezone=UTC)
    by = fields.String(load_default="day", validate=validate.OneOf(GROUPINGS))


class LatencySchema(Schema):
    p50 = fields.Float(allow_none=True)
    p90 = fields.Float(allow_none=True)
    p99 = fields.Float(allow_none=True)


class ReasonCodeSchema(Schema):
    code = fields.String(allow_none=True, metadata={"description": "the provider's error code"})
    name = fields.String(allow_none=True, metadata={"description": "8x8's name for it"})
    messages = fields.Integer()


class SummaryGroupSchema(Schema):
    key = fields.String(allow_none=True, metadata={"description": "the group; null when absent"})
    label = fields.String(allow_none=True, metadata={"description": "8x8's name for an error"})
    messages = fields.Integer()
    statuses = fields.Dict(keys=fields.String(), values=fields.Integer())
    final = fields.Integer(metadata={"description": "messages with a final outcome"})
    delivered_final = fields.Integer(metadata={"description": "final and delivered or read"})
    delivery_rate = fields.Float(allow_none=True, metadata={"description": "delivered / final"})
    latency_seconds = fields.Nested(LatencySchema)
    overdue = fields.Integer(
        metadata={"description": "not final and past the channel's window for a final receipt"}
    )
    overdue_rate = fields.Float(allow_none=True, metadata={"description": "overdue / messages"})
    codes = fields.List(
        fields.Nested(ReasonCodeSchema),
        metadata={"description": "by=reason: the provider's codes under the reason"},
    )


class SummarySchema(Schema):
    from_ = fields.AwareDateTime(data_key="from", attribute="start")
    to = fields.AwareDateTime(attribute="end")
    by = fields.String()
    source = fields.String(metadata={"description": "rollup or messages"})
    groups = fields.List(fields.Nested(SummaryGroupSchema))
    totals = fields.Nested(SummaryGroupSchema)
    computed_at = fields.AwareDateTime(
        metadata={"description": "when the figures were read: every receipt committed before"}
    )


class QuarantineQuerySchema(RangeQuerySchema):
    connector = QueryText(validate=validate.Length(1, 200))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    next = QueryText(
        validate=validate.Length(1, 200),
        metadata={"description": "the `next` cursor of the previous page"},
    )


class QuarantinedBodySchema(Schema):
    body_id = fields.Integer(required=True)
    connector = fields.String()
    reason = fields.String(allow_none=True, metadata={"description": "why it could not be read"})
    detail = fields.String(allow_none=True)
    received_at = fields.DateTime()
    content_type = fields.String(allow_none=True)


class QuarantinePageSchema(Schema):
    quarantine = fields.List(fields.Nested(QuarantinedBodySchema))
    count = fields.Integer(metadata={"description": "quarantined bodies matching the filters"})
    next = fields.String(allow_none=True)


class SuppressionsQuerySchema(Schema):
    since = Instant(load_default=lambda: datetime(1970, 1, 1, tzinfo=UTC), default_timezone=UTC)
    limit = fields.Integer(validate=validate.Range(min=1, max=1_000_000))


class SuppressionSchema(Schema):
    recipient = fields.String(required=True)
    reason_category = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    failures = fields.Integer()
    last_failed_at = fields.DateTime()


class SuppressionsSchema(Schema):
    suppressions = fields.List(fields.Nested(SuppressionSchema))


class WebhookAnswerSchema(Schema):
    received = fields.Integer(metadata={"description": "receipts committed (duplicates count)"})


class QuarantinedSchema(Schema):
    quarantined = fields.Boolean()
    error = fields.Nested(ErrorDetailSchema)


class WebhookQuerySchema(Schema):
    token = fields.String(metadata={"description": "the webhook secret, for dlrCallbackUrl"})
    strict = fields.String(metadata={"description": "1: answer 422 instead of 202"})


class HealthSchema(Schema):
    status = fields.String()
    schema_version = fields.Integer()


class ForwardsQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(FORWARD_STATES))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    before = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))  # a bigint id


class ForwardSchema(Schema):
    id = fields.Integer()
    connector = fields.String()
    message_id = fields.String()
    status = fields.String()
    state = fields.String()
    attempts = fields.Integer()
    created_at = fields.AwareDateTime()
    next_attempt_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
    dead_at = fields.AwareDateTime(allow_none=True)
    last_http_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    body = fields.Dict()


class LastAnswerSchema(Schema):
    status = fields.Integer(allow_none=True, metadata={"description": "HTTP status, if any"})
    error = fields.String(allow_none=True)
    at = fields.AwareDateTime()


class ForwardsPageSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(ForwardSchema))
    next_before = fields.Integer(allow_none=True)
    oldest_pending_age_seconds = fields.Float(
        allow_none=True, metadata={"description": "age of the oldest pending forward; null: none"}
    )
    last_answer = fields.Nested(
        LastAnswerSchema, allow_none=True, metadata={"description": "MoEngage's latest answer"}
    )
