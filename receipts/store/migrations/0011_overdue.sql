-- Messages that never get a final receipt: a message is overdue when its current status is not
-- final and its latest status is older than its channel's window (RECEIPTS_FINAL_WINDOW).
-- Finding them reads the non-final messages by event time, so it costs what is old and open,
-- not the size of the messages table. overdue_forwarded_at records the one `failed` forward
-- sent for an overdue message when MOENGAGE_FORWARD_OVERDUE=failed.

ALTER TABLE messages ADD COLUMN overdue_forwarded_at timestamptz;
CREATE INDEX messages_open_by_event ON messages (event_at) WHERE final_at IS NULL;

-- What MoEngage is sent for an overdue message: the flat body of forward_body, failed, with
-- the reason no_final_receipt; the time is when Receipts gave up waiting.
CREATE FUNCTION overdue_forward_body(m messages) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'message_id', m.message_id,
        'client_message_id', m.client_message_id,
        'status', 'failed',
        'reason', 'no_final_receipt',
        'event_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'recipient', m.recipient,
        'channel', m.channel,
        'reason_category', 'other',
        'permanent', false))
$$;

-- A channel's window (RECEIPTS_FINAL_WINDOW, passed as arrays), or the default one.
CREATE FUNCTION overdue_window(
    p_channel text, p_channels text[], p_seconds float8[], p_default float8
) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT make_interval(secs => coalesce(
        (SELECT w.secs FROM unnest(p_channels, p_seconds) AS w (channel, secs)
         WHERE w.channel = p_channel),
        p_default))
$$;

-- Forwarding health for the dashboard: when MoEngage last answered, and what.
ALTER TABLE forwards ADD COLUMN answered_at timestamptz;
CREATE INDEX forwards_by_answer ON forwards (answered_at DESC) WHERE answered_at IS NOT NULL;

-- The overdue rule, once: not final, and the latest status older than the shortest window
-- (the test the index answers) and than the message's own channel window. A plain SQL
-- expression, so the planner inlines it and still reads messages_open_by_event.
CREATE FUNCTION is_overdue(
    p_final_at timestamptz, p_event_at timestamptz, p_channel text,
    p_channels text[], p_seconds float8[], p_default float8, p_shortest float8
) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_final_at IS NULL
       AND p_event_at < now() - make_interval(secs => p_shortest)
       AND p_event_at < now() - overdue_window(p_channel, p_channels, p_seconds, p_default)
$$;
