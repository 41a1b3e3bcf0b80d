"""The reporting API's shapes, declared once for validation, output and OpenAPI."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from receipts.store.forwards import STATES as FORWARD_STATES


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


class MessageSchema(Schema):
    connector = fields.String()
    message_id = fields.String()
    client_message_id = fields.String(allow_none=True)
    status = fields.String()
    provider_status = fields.String()
    provider_detail = fields.String(allow_none=True)
    event_at = fields.AwareDateTime()
    first_event_at = fields.AwareDateTime()
    final_at = fields.AwareDateTime(allow_none=True)
    recipient = fields.String(allow_none=True)
    sender = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    error_code = fields.String(allow_none=True)
    error_message = fields.String(allow_none=True)
    provider_error_code = fields.String(allow_none=True)
    price = fields.Decimal(allow_none=True, as_string=True)
    currency = fields.String(allow_none=True)
    segments = fields.Integer(allow_none=True)
    batch_id = fields.String(allow_none=True)
    client_batch_id = fields.String(allow_none=True)
    receipt_count = fields.Integer()
    updated_at = fields.AwareDateTime()
    timeline = fields.List(fields.Nested(TimelineEntrySchema))


class ForwardsQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(FORWARD_STATES))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    before = fields.Integer(validate=validate.Range(min=1))


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


class ForwardsPageSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(ForwardSchema))
    next_before = fields.Integer(allow_none=True)
