"""Key names: how much a key, read with its parent, names each normalized field; and the
key words that name lists of receipts, kinds of body and success flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from receipts.mapping.receipt import FIELD_NAMES

# The normalized fields detection looks for, in priority order for ties.
# Fields no provider names clearly enough to find by name and shape alone.
UNDETECTED_FIELDS = frozenset({"provider_error_code"})


DETECTED_FIELDS = tuple(name for name in FIELD_NAMES if name not in UNDETECTED_FIELDS)


THRESHOLD = 0.5
# Keys that give why a message failed: their words are the error code when no number is.
REASON_KEYS = frozenset({"reason", "cause"})


@dataclass(frozen=True)
class Weights:
    """How much each kind of evidence counts; a confidence is their weighted sum, so the
    weights add up to 1. A key name alone (0.52) just clears THRESHOLD; values shaped like
    another field's (shape -1) pull even a perfect name below it."""

    name: float = 0.52  # the key reads like the field
    shape: float = 0.33  # the values look like the field's values (negative when they do not)
    behaviour: float = 0.10  # how values vary across samples (needs two samples or more)
    proximity: float = 0.05  # the path sits next to the status
    other_role_cap: float = 0.1  # name score of a key that names another role (clientMessageId)


WEIGHTS = Weights()


def word_set(text: str) -> frozenset[str]:
    """A set written as space-separated words (long code lists read best that way)."""
    return frozenset(text.split())


# Names of lists that carry one receipt per item even when a sample holds a single item.
BATCH_KEYS = word_set(
    "results statuses status reports report receipts events event messages deliveries delivery "
    "dlrs dlr items records notifications updates update data"
)


_WORD_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@lru_cache(maxsize=4096)
def key_tokens(key: str) -> tuple[str, ...]:
    """``MessageSid`` -> (message, sid); ``err-code`` -> (err, code); ``deliveredTS`` -> ..."""
    return tuple(part.lower() for part in _WORD_PARTS.findall(key))


# Parent keys that only wrap a record (an event's `data`, Pinpoint's `attributes`): they say
# nothing of the field, so `data.id` reads as `id`, like the record's own id.
_WRAPPERS = word_set("data attributes detail details properties fields")


def key_context(steps: tuple[str | int, ...]) -> tuple[str, ...]:
    """The tokens of a leaf's key and its parent key: ``status.timestamp`` -> status_timestamp."""
    keys = [step for step in steps if isinstance(step, str)]
    if len(keys) >= 2 and keys[-2].lower() in _WRAPPERS:
        keys = keys[-1:]
    return tuple(token for key in keys[-2:] for token in key_tokens(key))


def _rule(*patterns: tuple[str, float]) -> tuple[tuple[re.Pattern[str], float], ...]:
    return tuple((re.compile(pattern), score) for pattern, score in patterns)


_P = "(?:.+_)?"  # any leading tokens


# Per field: key-name patterns over the joined tokens, first match wins (so narrow readings
# such as "sent_at is not the status time" come before broad ones), and tokens that say the
# key holds some other role.
_NAMES: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    "message_id": _rule(
        (_P + r"(?:batch|bulk)_(?:id|uuid)", 0.4),
        # Twilio keeps SmsSid beside MessageSid for old clients: prefer the current name.
        (_P + r"sms_(?:id|sid)", 0.95),
        (_P + r"(?:message|msg|mt|dlr)_(?:id|sid|uuid|guid)", 1.0),
        (_P + r"(?:message|msg)_(?:token|key|ref)", 0.9),  # Viber's message_token
        (_P + r"id_(?:message|msg)", 1.0),  # idMessage
        (_P + r"(?:umid|msgid|messageid|smsid|wamid|gs_id|gsid)", 1.0),
        (_P + r"payload_(?:id|uuid)", 0.8),
        # MSG91 and D7 answer a send with a request id and report under it.
        (r"request_(?:id|uuid)", 0.75),
        (_P + r"external_id", 0.75),
        (_P + r"(?:receipted_message_id|smsc_id|smsc_message_id|id_smsc)", 0.5),
        (r"(?:id|sid|uuid|guid)", 0.7),
        (r"ids", 0.6),  # a list of the message's ids (Z-API's ids[0])
        (_P + r"(?:id|sid|uuid|guid)", 0.6),
    ),
    "client_message_id": _rule(
        (_P + r"client_(?:message_id|msg_id|message_ref|ref|reference)", 1.0),
        (_P + r"(?:customer|user|merchant|partner|your)_(?:ref|reference|message_id|msg_id)", 0.9),
        (_P + r"correlation_id", 0.9),
        (
            _P + r"(?:reference|callback_data|custom_id|client_data|user_data|custom_data|"
            r"custom_string|custom_ref)",
            0.8,
        ),
        (_P + r"(?:user|client|customer)_supplied_(?:id|ref|reference)", 1.0),
        (_P + r"ref", 0.7),
        (_P + r"client_id", 0.5),
        (_P + r"external_(?:id|ref|reference)", 0.45),
        (_P + r"(?:tag|label)", 0.3),
    ),
    "status": _rule(
        (
            _P + r"(?:status|state)_(?:detail|details|reason|description|desc|text|message|msg|"
            r"id|group_id|trace|datetime|date|time|timestamp|at|ts|url|callback)",
            0.0,
        ),
        (_P + r"record_type", 0.0),
        (_P + r"dlr_code", 1.0),
        (_P + r"(?:status|state|delivery)_code", 0.7),
        (_P + r"(?:status|state)_(?:type|value)", 0.9),
        (_P + r"dlr_(?:status|stat|state)", 1.0),
        (_P + r"(?:status|state)_group(?:_name)?", 1.0),
        (_P + r"(?:status|state)_name", 0.8),
        (_P + r"sms_status", 0.95),
        (_P + r"(?:dlr|sms|msg|delivery|message)status", 1.0),  # SMSGlobal's dlrstatus
        (_P + r"(?:status|state|stat)", 1.0),
        (r"(?:type|event|event_type|event_name)", 0.4),
        (_P + r"(?:type|event|event_type|event_name)", 0.35),
        (_P + r"(?:result|outcome)", 0.5),
        (r"(?:is_)?(?:success|successful|succeeded|delivered|ok)", 0.7),
    ),
    "detail": _rule(
        (_P + r"(?:err|error|errors|failure)(?:_.+)?", 0.0),
        (_P + r"(?:status|state)_(?:detail|details|trace|reason|sub)", 1.0),
        (_P + r"(?:sub_status|substatus|detail|details|detailed_status)", 0.9),
        (_P + r"(?:status|state)_name", 0.7),
        (_P + r"(?:reason|cause)", 0.6),
        (_P + r"(?:status|state)_description", 0.5),
        (r"description", 0.35),
    ),
    "event_at": _rule(
        (
            _P + r"(?:status|state)_(?:timestamp|time|date|datetime|date_time|at|ts|"
            r"updated_at|changed_at)",
            1.0,
        ),
        (
            _P + r"(?:done|delivered|delivery|delivery_report|dlr|report|receipt|event|occurred|"
            r"completed|updated|last_updated|changed|final|finished|handset)_"
            r"(?:date|at|time|timestamp|ts|datetime|date_time|on)",
            1.0,
        ),
        (_P + r"(?:scts|donedate|date_updated|updated|occurred)", 1.0),
        # A key named for the event it dates: 46elks sends `delivered=<time>`.
        (_P + r"(?:delivered|done|completed|finalized|failed|read|seen)", 0.7),
        # A sent receipt's time is its send time; creation and queueing come before any status.
        (
            _P + r"(?:sent|send|submit|submitted|sub)_(?:date|at|time|timestamp|ts|datetime|on)",
            0.45,
        ),
        (_P + r"(?:subdate|date_sent|submitted)", 0.45),
        (
            _P + r"(?:created|creation|queued|scheduled|message|requested|request|received|start|"
            r"started|accepted)_(?:date|at|time|timestamp|ts|datetime|date_time|on)",
            0.1,
        ),
        (_P + r"(?:date_created|created)", 0.1),
        (_P + r"timestamp", 0.85),
        (_P + r"(?:time|date|datetime|date_time|at|ts|when)", 0.7),
    ),
    "recipient": _rule(
        (
            _P + r"(?:to|recipient|recipients|destination|dest|dst|receiver|target)_"
            r"(?:phone_number|number|msisdn|address|addr|phone|mobile|id)",
            1.0,
        ),
        (
            _P + r"(?:recipient|recipients|destination|dest_addr|destination_addr|"
            r"destination_address|dst_addr|receiver|to_number|to_msisdn)",
            1.0,
        ),
        (_P + r"to", 0.95),
        (_P + r"msisdn", 0.85),
        # a chat app's address of the user: Nifteem's channelIdentifier, WhatsApp's chat id
        (_P + r"(?:channel_identifier|identity|chat_id)", 0.6),
        (
            _P + r"(?:mobile|mobile_number|mobile_no|phone_no|phone_number|phonenumber|phone|"
            r"cell|number|contact)",
            0.7,
        ),
    ),
    "sender": _rule(
        (
            _P + r"(?:from|sender|source|src|originator|orig|origination|originating|caller)_"
            r"(?:phone_number|number|msisdn|address|addr|phone|mobile|id|name)",
            1.0,
        ),
        (
            _P + r"(?:sender|source|originator|src_addr|source_addr|source_address|from_number|"
            r"applied_originator|oa|src)",
            1.0,
        ),
        (_P + r"from", 0.95),
        (_P + r"(?:owner|mask|display_phone_number)", 0.5),
    ),
    "error_code": _rule(
        (
            _P + r"(?:network|country|currency|mcc|mnc|area|postal|zip|language|lang|http|"
            r"response|template|short|dial|calling|phone|encoding)_code",
            0.0,
        ),
        (_P + r"provider_(?:err|error)_code", 0.7),
        (_P + r"(?:err|error|errors|failure|fail|reason|dlr_error)_(?:code|id|no|num|number)", 1.0),
        (_P + r"(?:errcode|errorcode|errno|err|error)", 0.9),
        (r"code", 0.5),
        (_P + r"status_code", 0.25),
        (_P + r"code", 0.35),
    ),
    "error_message": _rule(
        (
            _P + r"(?:err|error|errors|failure|fail)_(?:message|msg|description|desc|text|"
            r"reason|detail|details|title|string)",
            1.0,
        ),
        (_P + r"(?:errmsg|errormessage|errortext)", 1.0),
        (_P + r"(?:err|error|errors)_name", 0.6),
        (_P + r"(?:reason|cause)", 0.6),
        (_P + r"(?:status|state)_(?:reason|description|message|text)", 0.4),
        (_P + r"description", 0.45),
    ),
    "channel": _rule(
        (_P + r"(?:channel|channel_type|channel_name|messaging_product|messaging_channel)", 1.0),
        (_P + r"(?:message_type|msg_type)", 0.6),
        (_P + r"(?:platform|medium|transport)", 0.5),
        (r"type", 0.45),
        (_P + r"type", 0.35),
        (r"namespace", 0.15),
    ),
    "price": _rule(
        (_P + r"(?:rate|fee|tax|discount|balance|credit|credits)_(?:amount|value)", 0.3),
        (_P + r"(?:price|cost|charge|fee)_(?:total|amount|value)", 1.0),
        (_P + r"total_(?:price|cost|amount|charge)", 1.0),
        (_P + r"(?:price|cost|charge)", 1.0),
        (
            _P + r"(?:price_per_sms|per_sms|price_per_message|per_message|unit_price|"
            r"price_per_unit|per_unit|rate|total_rate)",
            0.55,
        ),
        (_P + r"(?:amount|total)", 0.6),
    ),
    "currency": _rule(
        (_P + r"(?:currency|currency_code|currency_iso|ccy|curr|price_unit)", 1.0),
    ),
    "batch_id": _rule(
        (_P + r"client_(?:batch|bulk)_(?:id|ref|reference)", 0.1),
        (_P + r"(?:batch|bulk|campaign_batch)_(?:id|uuid|guid|sid)", 1.0),
        (_P + r"submission_id", 0.8),
        (_P + r"(?:batchid|bulkid)", 1.0),
    ),
    "client_batch_id": _rule(
        (_P + r"client_(?:batch|bulk)_(?:id|ref|reference)", 1.0),
        (_P + r"(?:customer|user|your)_batch_(?:id|ref|reference)", 0.9),
    ),
    "segments": _rule(
        (
            _P + r"(?:segments|segment|segment_count|num_segments|number_of_segments|"
            r"total_segments|sms_count|parts|num_parts|number_of_parts|number_of_message_parts|"
            r"message_parts|part_count|parts_count|nb_parts|no_of_frags|frags|fragments|"
            r"sms_parts)",
            1.0,
        ),
        (_P + r"(?:units|message_count|msg_count|messages_count|sms_units|sms_size)", 0.8),
        (_P + r"count", 0.3),
    ),
}


_OTHER_ROLE: dict[str, frozenset[str]] = {
    name: word_set(words)
    for name, words in {
        "message_id": "client customer user account campaign conversation profile organization "
        "instance integration chat "
        "org app application api service template session tracking callback network error "
        "errors subaccount owner project powerpack parent contact channel status key "
        "recipient phone number price webhook entry metadata mcc mnc submission",
        "client_message_id": "batch bulk campaign network template account",
        "status": "error errors http response conversation pricing origin direction webhook line",
        "detail": "conversation pricing price",
        "event_at": "expires expire expiry expiration valid validity until birth api version",
        "recipient": "from sender source src originator owner applied display caller",
        "sender": "to recipient recipients destination dest dst receiver target",
        "error_code": "mcc mnc network currency country http",
        "error_message": "conversation pricing template",
        "channel": "user origin pricing record line conversation event direction content media",
        "price": "balance credit credits discount tax currency",
        "currency": "",
        "segments": "recipient recipients attempt",
        "batch_id": "client customer user",
        "client_batch_id": "",
    }.items()
}


@lru_cache(maxsize=16384)
def name_score(field_name: str, context: tuple[str, ...]) -> float:
    """How much a key (with its parent) reads like the field, in [0, 1]."""
    if not context:
        return 0.0
    joined = "_".join(context)
    score = next((s for pattern, s in _NAMES[field_name] if pattern.fullmatch(joined)), 0.0)
    if _OTHER_ROLE[field_name].intersection(context):
        score = min(score, WEIGHTS.other_role_cap)
    return score


SUCCESS_KEYS = word_set("success successful succeeded delivered ok is_delivered")


# Keys that name what kind of body this is (8x8's namespace and eventType): a mapping's `match`.
TYPE_KEYS = word_set(
    "namespace event_type eventtype event type kind object topic notification_type "
    "message_type category resource event_name webhook_type"
)
