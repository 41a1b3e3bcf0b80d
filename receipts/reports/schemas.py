"""The reporting API's shapes, declared once for validation, output and OpenAPI."""

from __future__ import annotations

from marshmallow import Schema, fields


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


class MappingFileSchema(Schema):
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
    files = fields.List(fields.Nested(MappingFileSchema))
    detected = fields.List(fields.Nested(DetectedMappingSchema))
