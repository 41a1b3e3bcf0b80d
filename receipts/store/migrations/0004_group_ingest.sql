-- Group commit: many webhook bodies in one statement, so the requests waiting in a web worker
-- share one round trip, one transaction and one WAL flush. The common case, a receipt for a
-- message not seen before, is written set-based (a handful of statements for the whole batch
-- instead of five per receipt); a receipt for a known message, or for a message that appears
-- more than once in the batch, goes through apply_receipt one by one, as before.
-- ingest_body (one body) becomes a batch of one, so there is one definition of the write path.

CREATE TYPE ingest_receipt AS (
    message_id text, client_message_id text, status text, provider_status text,
    provider_detail text, final boolean, event_at timestamptz, recipient text, sender text,
    error_code text, error_message text, provider_error_code text, channel text,
    price numeric, currency text, segments integer, batch_id text, client_batch_id text);

-- What MoEngage is sent for a receipt: one flat JSON object (README, "Send outcomes to MoEngage").
CREATE FUNCTION forward_body(r receipts, m messages, forward_status text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'message_id', r.message_id,
        'client_message_id', coalesce(r.client_message_id, m.client_message_id),
        'status', forward_status,
        'reason', coalesce(r.error_message, r.provider_detail, r.provider_status),
        'error_code', r.error_code,
        'event_at', to_char(r.event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'recipient', coalesce(r.recipient, m.recipient),
        'channel', coalesce(r.channel, m.channel)))
$$;

-- The forward a stored receipt causes, if any: `all` forwards every status change, `final`
-- the first final outcome (MoEngage counts anything but its success value as a failure).
CREATE FUNCTION forward_status(
    r receipts, had_final boolean, status_changed boolean, p_forward_mode text
) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_forward_mode = 'all' THEN CASE WHEN status_changed THEN r.status END
        WHEN r.final AND NOT had_final THEN
            CASE WHEN r.status = 'failed' THEN 'failed' ELSE 'delivered' END
    END
$$;

-- The rule that a message's current status never moves back: a receipt replaces the current
-- status when it ranks higher, or is the same status reported later (operator -> handset).
CREATE FUNCTION status_advances(
    new_status text, new_event_at timestamptz, cur_status text, cur_event_at timestamptz
) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT status_rank(new_status) > status_rank(cur_status)
        OR (new_status = cur_status AND new_event_at > cur_event_at)
$$;

-- One stored receipt applied to its message (created if new; the current status never moves
-- back) and its forward enqueued. Callers apply a message's receipts in arrival order.
CREATE FUNCTION apply_receipt(r receipts, p_forward_mode text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m messages%ROWTYPE;
    advances boolean;
    status_changed boolean;
    forwarded text;
BEGIN
    SELECT * INTO m FROM messages
    WHERE connector = r.connector AND message_id = r.message_id FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO messages (
            connector, message_id, client_message_id, status, provider_status,
            provider_detail, event_at, first_event_at, final_at, recipient, sender, error_code,
            error_message, provider_error_code, channel, price, currency, segments, batch_id,
            client_batch_id)
        VALUES (
            r.connector, r.message_id, r.client_message_id, r.status, r.provider_status,
            r.provider_detail, r.event_at, r.event_at, CASE WHEN r.final THEN r.event_at END,
            r.recipient, r.sender, r.error_code, r.error_message, r.provider_error_code,
            r.channel, r.price, r.currency, r.segments, r.batch_id, r.client_batch_id)
        ON CONFLICT (connector, message_id) DO NOTHING
        RETURNING * INTO m;
        IF FOUND THEN
            forwarded := forward_status(r, false, true, p_forward_mode);
            IF forwarded IS NOT NULL THEN
                INSERT INTO forwards (connector, message_id, status, body)
                VALUES (r.connector, r.message_id, forwarded, forward_body(r, m, forwarded));
            END IF;
            RETURN;
        END IF;
        -- Created by a concurrent transaction since our look: lock it and go on as known.
        SELECT * INTO m FROM messages
        WHERE connector = r.connector AND message_id = r.message_id FOR UPDATE;
    END IF;

    advances := status_advances(r.status, r.event_at, m.status, m.event_at);
    status_changed := advances AND r.status <> m.status;
    forwarded := forward_status(r, m.final_at IS NOT NULL, status_changed, p_forward_mode);
    UPDATE messages SET
        status = CASE WHEN advances THEN r.status ELSE status END,
        provider_status = CASE WHEN advances THEN r.provider_status ELSE provider_status END,
        provider_detail = CASE WHEN advances THEN r.provider_detail ELSE provider_detail END,
        event_at = CASE WHEN advances THEN r.event_at ELSE event_at END,
        error_code = CASE WHEN advances AND r.error_code IS NOT NULL
            THEN r.error_code ELSE error_code END,
        error_message = CASE WHEN advances AND r.error_message IS NOT NULL
            THEN r.error_message ELSE error_message END,
        provider_error_code = coalesce(provider_error_code, r.provider_error_code),
        first_event_at = least(first_event_at, r.event_at),
        final_at = CASE WHEN r.final AND final_at IS NULL THEN r.event_at ELSE final_at END,
        client_message_id = coalesce(client_message_id, r.client_message_id),
        recipient = coalesce(recipient, r.recipient),
        sender = coalesce(sender, r.sender),
        channel = coalesce(channel, r.channel),
        price = coalesce(price, r.price),
        currency = coalesce(currency, r.currency),
        segments = coalesce(segments, r.segments),
        batch_id = coalesce(batch_id, r.batch_id),
        client_batch_id = coalesce(client_batch_id, r.client_batch_id),
        receipt_count = receipt_count + 1,
        updated_at = now()
    WHERE connector = r.connector AND message_id = r.message_id;
    IF forwarded IS NOT NULL THEN
        INSERT INTO forwards (connector, message_id, status, body)
        VALUES (r.connector, r.message_id, forwarded, forward_body(r, m, forwarded));
    END IF;
END
$$;

-- The whole write path of a batch of webhook bodies: the raw bodies, each receipt
-- (deduplicated by receipts_once, within the batch too), each message's current status, and
-- the forwards; one row per body, in input order. Rows are written in (connector, message
-- id) order so that concurrent batches lock shared rows in the same order.
CREATE FUNCTION ingest_bodies(
    p_connectors text[], p_content_types text[], p_bodies bytea[], p_mappings text[],
    p_receipts jsonb[], p_forward_mode text
) RETURNS TABLE (body_id bigint, stored integer, duplicates integer)
LANGUAGE plpgsql
-- Planning the batch statement anew for every call costs more than running it.
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    n integer := cardinality(p_bodies);
    ids bigint[];
    counts integer[];
    known receipts[];
    r receipts;
BEGIN
    ids := ARRAY(SELECT nextval(pg_get_serial_sequence('webhook_bodies', 'id'))
                 FROM generate_series(1, n));
    INSERT INTO webhook_bodies (id, connector, content_type, body, outcome, mapping, receipts)
    OVERRIDING SYSTEM VALUE
    SELECT ids[i], p_connectors[i], p_content_types[i], p_bodies[i], 'receipt', p_mappings[i],
           jsonb_array_length(p_receipts[i])
    FROM generate_series(1, n) AS i;

    WITH input AS (
        SELECT b.i, e.ord, x.*
        FROM unnest(p_receipts) WITH ORDINALITY AS b(receipts, i)
        CROSS JOIN LATERAL jsonb_array_elements(b.receipts) WITH ORDINALITY AS e(value, ord)
        CROSS JOIN LATERAL jsonb_populate_record(NULL::ingest_receipt, e.value) AS x
    ), saved AS (
        INSERT INTO receipts (
            connector, message_id, client_message_id, status, provider_status,
            provider_detail, final, event_at, recipient, sender, error_code, error_message,
            provider_error_code, channel, price, currency, segments, batch_id,
            client_batch_id, mapping, body_id)
        SELECT
            p_connectors[i], message_id, client_message_id, status, provider_status,
            provider_detail, coalesce(final, false), coalesce(event_at, now()), recipient,
            sender, error_code, error_message, provider_error_code, channel, price, currency,
            segments, batch_id, client_batch_id, p_mappings[i], ids[i]
        FROM input
        ORDER BY p_connectors[i], message_id, i, ord
        ON CONFLICT DO NOTHING
        RETURNING *
    ), single AS (
        SELECT s.* FROM saved AS s
        WHERE NOT EXISTS (SELECT 1 FROM saved AS o
                          WHERE o.connector = s.connector AND o.message_id = s.message_id
                            AND o.id <> s.id)
    ), created AS (
        INSERT INTO messages (
            connector, message_id, client_message_id, status, provider_status,
            provider_detail, event_at, first_event_at, final_at, recipient, sender, error_code,
            error_message, provider_error_code, channel, price, currency, segments, batch_id,
            client_batch_id)
        SELECT
            connector, message_id, client_message_id, status, provider_status,
            provider_detail, event_at, event_at, CASE WHEN final THEN event_at END, recipient,
            sender, error_code, error_message, provider_error_code, channel, price, currency,
            segments, batch_id, client_batch_id
        FROM single
        ORDER BY connector, message_id
        ON CONFLICT (connector, message_id) DO NOTHING
        RETURNING *
    ), forwarded AS (
        -- forward_status and forward_body spelled out for a new message (per-row calls of
        -- SQL functions taking whole rows cost more than the rest of the insert).
        INSERT INTO forwards (connector, message_id, status, body)
        SELECT c.connector, c.message_id, f.status, jsonb_strip_nulls(jsonb_build_object(
            'message_id', c.message_id,
            'client_message_id', c.client_message_id,
            'status', f.status,
            'reason', coalesce(c.error_message, c.provider_detail, c.provider_status),
            'error_code', c.error_code,
            'event_at', to_char(c.event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'recipient', c.recipient,
            'channel', c.channel))
        FROM created AS c
        CROSS JOIN LATERAL (SELECT CASE
            WHEN p_forward_mode = 'all' THEN c.status
            WHEN c.final_at IS NOT NULL THEN
                CASE WHEN c.status = 'failed' THEN 'failed' ELSE 'delivered' END
        END AS status) AS f
        WHERE f.status IS NOT NULL
    )
    SELECT
        ARRAY(SELECT ROW(s.*)::receipts FROM saved AS s
              WHERE NOT EXISTS (SELECT 1 FROM created AS c
                                WHERE c.connector = s.connector
                                  AND c.message_id = s.message_id)
              ORDER BY s.connector, s.message_id, s.id),
        ARRAY(SELECT count(s.id)::integer
              FROM generate_series(1, n) AS g(i)
              LEFT JOIN saved AS s ON s.body_id = ids[g.i]
              GROUP BY g.i ORDER BY g.i)
    INTO known, counts;

    FOREACH r IN ARRAY known LOOP
        PERFORM apply_receipt(r, p_forward_mode);
    END LOOP;

    RETURN QUERY
    SELECT ids[i], counts[i], jsonb_array_length(p_receipts[i]) - counts[i]
    FROM generate_series(1, n) AS i
    ORDER BY i;
END
$$;

CREATE OR REPLACE FUNCTION ingest_body(
    p_connector text, p_content_type text, p_body bytea, p_mapping text,
    p_receipts jsonb, p_forward_mode text,
    OUT body_id bigint, OUT stored integer, OUT duplicates integer
)
LANGUAGE sql AS $$
    SELECT * FROM ingest_bodies(ARRAY[p_connector], ARRAY[p_content_type], ARRAY[p_body],
                                ARRAY[p_mapping], ARRAY[p_receipts], p_forward_mode)
$$;
