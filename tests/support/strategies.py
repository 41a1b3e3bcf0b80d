"""Hypothesis strategies for webhook bodies: any JSON value, biased towards what the shipped
mappings read, so that generated bodies reach deep into them."""

from __future__ import annotations

from hypothesis import strategies as st

# Keys and words the shipped mappings look at, so generated bodies reach deep into them.
KEYS = (
    "namespace",
    "eventType",
    "payload",
    "umid",
    "status",
    "state",
    "detail",
    "timestamp",
    "destination",
    "source",
    "errorCode",
    "errorMessage",
    "price",
    "total",
    "currency",
    "smsCount",
    "channel",
    "user",
    "msisdn",
    "whatsapp",
    "providerErrorCode",
    "clientMessageId",
    "batchId",
)
WORDS = (
    "SMS",
    "ChatApps",
    "outbound_message_status_changed",
    "inbound_message_received",
    "delivered",
    "undelivered",
    "read",
    "sent",
    "delivered_to_operator",
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50),
    st.text(alphabet="0123456789+-.:TZ \u00b2\u0661e", max_size=30),
    st.sampled_from(WORDS),
    st.sampled_from(
        ("\x00", "1e-99999", "9" * 40, "2026-13-45T99:99:99Z", "+", "'; DROP TABLE receipts; --")
    ),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=6
        ),
    ),
    max_leaves=30,
)
