-- Why messages fail: every failed receipt carries one reason category across providers
-- (receipts/mapping/reasons.py reads it from the mapping's table, the provider catalogue or the
-- provider's words) and whether the failure is permanent. Messages keep their current
-- outcome's reason; forwards to MoEngage carry both. The write path's functions are redefined
-- with the two columns; nothing else in them changes.

ALTER TABLE receipts ADD COLUMN reason_category text, ADD COLUMN permanent boolean;
ALTER TABLE messages ADD COLUMN reason_category text, ADD COLUMN permanent boolean;
ALTER TYPE ingest_receipt ADD ATTRIBUTE reason_category text, ADD ATTRIBUTE permanent boolean;

-- The suppression list reads recipients' latest outcomes; failures by reason read the rollup.
CREATE INDEX messages_by_recipient ON messages (recipient, event_at DESC)
    WHERE recipient IS NOT NULL;

CREATE OR REPLACE FUNCTION forward_body(r receipts, m messages, forward_status text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'message_id', r.message_id,
        'client_message_id', coalesce(r.client_message_id, m.client_message_id),
        'status', forward_status,
        'reason', coalesce(r.error_message, r.provider_detail, r.provider_status),
        'error_code', r.error_code,
        'event_at', to_char(r.event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'recipient', coalesce(r.recipient, m.recipient),
        'channel', coalesce(r.channel, m.channel),
        'reason_category', r.reason_category,
        'permanent', r.permanent))
$$;

CREATE OR REPLACE FUNCTION apply_receipt(r receipts, p_forward_mode text) RETURNS void
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
            client_batch_id, reason_category, permanent)
        VALUES (
            r.connector, r.message_id, r.client_message_id, r.status, r.provider_status,
            r.provider_detail, r.event_at, r.event_at, CASE WHEN r.final THEN r.event_at END,
            r.recipient, r.sender, r.error_code, r.error_message, r.provider_error_code,
            r.channel, r.price, r.currency, r.segments, r.batch_id, r.client_batch_id,
            r.reason_category, r.permanent)
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
        reason_category = CASE WHEN advances THEN r.reason_category ELSE reason_category END,
        permanent = CASE WHEN advances THEN r.permanent ELSE permanent END,
        receipt_count = receipt_count + 1,
        updated_at = now()
    WHERE connector = r.connector AND message_id = r.message_id;
    IF forwarded IS NOT NULL THEN
        INSERT INTO forwards (connector, message_id, status, body)
        VALUES (r.connector, r.message_id, forwarded, forward_body(r, m, forwarded));
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION ingest_bodies(
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
            client_batch_id, reason_category, permanent, mapping, body_id)
        SELECT
            p_connectors[i], message_id, client_message_id, status, provider_status,
            provider_detail, coalesce(final, false), coalesce(event_at, now()), recipient,
            sender, error_code, error_message, provider_error_code, channel, price, currency,
            segments, batch_id, client_batch_id, reason_category, permanent, p_mappings[i], ids[i]
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
            client_batch_id, reason_category, permanent)
        SELECT
            connector, message_id, client_message_id, status, provider_status,
            provider_detail, event_at, event_at, CASE WHEN final THEN event_at END, recipient,
            sender, error_code, error_message, provider_error_code, channel, price, currency,
            segments, batch_id, client_batch_id, reason_category, permanent
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
            'channel', c.channel,
            'reason_category', c.reason_category,
            'permanent', c.permanent))
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

CREATE OR REPLACE FUNCTION begin_receipt_import() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Each staged body draws its webhook_bodies id as it is COPYed, so receipts can point at it.
    EXECUTE format($ddl$CREATE TEMP TABLE import_bodies (
        line          integer PRIMARY KEY,
        id            bigint NOT NULL DEFAULT nextval(%L::regclass),
        connector     text NOT NULL,
        content_type  text,
        body          bytea NOT NULL,
        outcome       text NOT NULL,
        mapping       text,
        receipts      integer NOT NULL,
        error_code    text,
        error_detail  text
    ) ON COMMIT DROP$ddl$, pg_get_serial_sequence('webhook_bodies', 'id'));
    CREATE TEMP TABLE import_receipts (
        line                 integer NOT NULL,
        connector            text NOT NULL,
        message_id           text NOT NULL,
        client_message_id    text,
        status               text NOT NULL,
        provider_status      text NOT NULL,
        provider_detail      text,
        final                boolean NOT NULL,
        event_at             timestamptz,
        recipient            text,
        sender               text,
        error_code           text,
        error_message        text,
        provider_error_code  text,
        channel              text,
        price                numeric,
        currency             text,
        segments             integer,
        batch_id             text,
        client_batch_id      text,
        reason_category      text,
        permanent            boolean,
        mapping              text NOT NULL
    ) ON COMMIT DROP;
END
$$;

CREATE OR REPLACE FUNCTION finish_receipt_import(
    p_forward_mode text, p_forward boolean,
    OUT bodies integer, OUT stored integer, OUT duplicates integer, OUT forwards integer
)
LANGUAGE plpgsql AS $$
BEGIN
    -- Statistics on the staging tables: without them the planner guesses, and a guess can mean
    -- a sequential scan of all messages for every batch.
    ANALYZE import_bodies;
    ANALYZE import_receipts;
    CREATE TEMP TABLE import_new ON COMMIT DROP AS
    SELECT * FROM receipts WITH NO DATA;
    WITH inserted AS (
        INSERT INTO receipts (
            connector, message_id, client_message_id, status, provider_status,
            provider_detail, final, event_at, recipient, sender, error_code, error_message,
            provider_error_code, channel, price, currency, segments, batch_id,
            client_batch_id, reason_category, permanent, mapping, body_id)
        SELECT r.connector, r.message_id, r.client_message_id, r.status, r.provider_status,
            r.provider_detail, r.final, coalesce(r.event_at, now()), r.recipient, r.sender,
            r.error_code, r.error_message, r.provider_error_code, r.channel, r.price,
            r.currency, r.segments, r.batch_id, r.client_batch_id, r.reason_category,
            r.permanent, r.mapping, b.id
        FROM import_receipts r JOIN import_bodies b USING (line)
        ORDER BY r.line
        ON CONFLICT DO NOTHING
        RETURNING *
    )
    INSERT INTO import_new SELECT * FROM inserted;
    GET DIAGNOSTICS stored = ROW_COUNT;
    ANALYZE import_new;
    SELECT count(*)::integer - stored INTO duplicates FROM import_receipts;

    -- A body whose receipts were all stored before (the same file imported twice) adds nothing.
    INSERT INTO webhook_bodies (
        id, connector, content_type, body, outcome, mapping, receipts, error_code, error_detail)
    OVERRIDING SYSTEM VALUE
    SELECT b.id, b.connector, b.content_type, b.body, b.outcome, b.mapping, b.receipts,
        b.error_code, b.error_detail
    FROM import_bodies b
    WHERE b.outcome <> 'receipt' OR b.id IN (SELECT body_id FROM import_new);
    GET DIAGNOSTICS bodies = ROW_COUNT;

    -- The messages this batch touches, as they were, locked in a fixed order (no deadlock
    -- between two imports; a live webhook touching the same message waits for the commit).
    CREATE TEMP TABLE import_before ON COMMIT DROP AS
    SELECT m.connector, m.message_id, m.status, m.final_at
    FROM messages m
    WHERE (m.connector, m.message_id) IN (SELECT connector, message_id FROM import_new)
    ORDER BY m.connector, m.message_id
    FOR UPDATE;

    WITH best AS (
        SELECT DISTINCT ON (connector, message_id) *
        FROM import_new
        ORDER BY connector, message_id, status_rank(status) DESC, event_at DESC
    ), known AS (
        SELECT connector, message_id, count(*)::integer AS receipt_count,
            min(event_at) AS first_event_at, min(event_at) FILTER (WHERE final) AS final_at,
            max(client_message_id) AS client_message_id, max(recipient) AS recipient,
            max(sender) AS sender, max(provider_error_code) AS provider_error_code,
            max(channel) AS channel, max(price) AS price, max(currency) AS currency,
            max(segments) AS segments, max(batch_id) AS batch_id,
            max(client_batch_id) AS client_batch_id
        FROM import_new
        GROUP BY connector, message_id
    )
    INSERT INTO messages AS cur (
        connector, message_id, client_message_id, status, provider_status, provider_detail,
        event_at, first_event_at, final_at, recipient, sender, error_code, error_message,
        provider_error_code, channel, price, currency, segments, batch_id, client_batch_id,
        receipt_count, reason_category, permanent)
    SELECT b.connector, b.message_id, k.client_message_id, b.status, b.provider_status,
        b.provider_detail, b.event_at, k.first_event_at, k.final_at, k.recipient, k.sender,
        b.error_code, b.error_message, k.provider_error_code, k.channel, k.price, k.currency,
        k.segments, k.batch_id, k.client_batch_id, k.receipt_count, b.reason_category,
        b.permanent
    FROM best b JOIN known k USING (connector, message_id)
    ON CONFLICT (connector, message_id) DO UPDATE SET
        status = CASE WHEN status_advances(
                excluded.status, excluded.event_at, cur.status, cur.event_at)
            THEN excluded.status ELSE cur.status END,
        provider_status = CASE WHEN status_advances(
                excluded.status, excluded.event_at, cur.status, cur.event_at)
            THEN excluded.provider_status ELSE cur.provider_status END,
        provider_detail = CASE WHEN status_advances(
                excluded.status, excluded.event_at, cur.status, cur.event_at)
            THEN excluded.provider_detail ELSE cur.provider_detail END,
        event_at = CASE WHEN status_advances(
                excluded.status, excluded.event_at, cur.status, cur.event_at)
            THEN excluded.event_at ELSE cur.event_at END,
        error_code = CASE WHEN status_advances(
                excluded.status, excluded.event_at, cur.status, cur.event_at)
            AND excluded.error_code IS NOT NULL THEN excluded.error_code ELSE cur.error_code END,
        error_message = CASE WHEN status_advances(
                excluded.status, excluded.event_at, cur.status, cur.event_at)
            AND excluded.error_message IS NOT NULL
            THEN excluded.error_message ELSE cur.error_message END,
        first_event_at = least(cur.first_event_at, excluded.first_event_at),
        final_at = coalesce(cur.final_at, excluded.final_at),
        client_message_id = coalesce(cur.client_message_id, excluded.client_message_id),
        recipient = coalesce(cur.recipient, excluded.recipient),
        sender = coalesce(cur.sender, excluded.sender),
        provider_error_code = coalesce(cur.provider_error_code, excluded.provider_error_code),
        channel = coalesce(cur.channel, excluded.channel),
        price = coalesce(cur.price, excluded.price),
        currency = coalesce(cur.currency, excluded.currency),
        segments = coalesce(cur.segments, excluded.segments),
        batch_id = coalesce(cur.batch_id, excluded.batch_id),
        client_batch_id = coalesce(cur.client_batch_id, excluded.client_batch_id),
        reason_category = CASE WHEN status_advances(
                excluded.status, excluded.event_at, cur.status, cur.event_at)
            THEN excluded.reason_category ELSE cur.reason_category END,
        permanent = CASE WHEN status_advances(
                excluded.status, excluded.event_at, cur.status, cur.event_at)
            THEN excluded.permanent ELSE cur.permanent END,
        receipt_count = cur.receipt_count + excluded.receipt_count,
        updated_at = now();

    forwards := 0;
    IF NOT p_forward THEN
        RETURN;
    END IF;
    IF p_forward_mode = 'all' THEN
        -- One forward per message whose current status this batch changed: its new status.
        INSERT INTO forwards (connector, message_id, status, body)
        SELECT m.connector, m.message_id, m.status, jsonb_strip_nulls(jsonb_build_object(
            'message_id', m.message_id, 'client_message_id', m.client_message_id,
            'status', m.status,
            'reason', coalesce(m.error_message, m.provider_detail, m.provider_status),
            'error_code', m.error_code,
            'event_at', to_char(m.event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'recipient', m.recipient, 'channel', m.channel,
            'reason_category', m.reason_category, 'permanent', m.permanent))
        FROM messages m
        JOIN (SELECT DISTINCT connector, message_id FROM import_new) n
            USING (connector, message_id)
        LEFT JOIN import_before p USING (connector, message_id)
        WHERE p.status IS DISTINCT FROM m.status;
    ELSE
        -- The first final outcome of a message that had none: what ingest_body would forward.
        INSERT INTO forwards (connector, message_id, status, body)
        SELECT f.connector, f.message_id, f.forward_status, jsonb_strip_nulls(jsonb_build_object(
            'message_id', f.message_id,
            'client_message_id', coalesce(f.client_message_id, m.client_message_id),
            'status', f.forward_status,
            'reason', coalesce(f.error_message, f.provider_detail, f.provider_status),
            'error_code', f.error_code,
            'event_at', to_char(f.event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'recipient', coalesce(f.recipient, m.recipient),
            'channel', coalesce(f.channel, m.channel),
            'reason_category', f.reason_category, 'permanent', f.permanent))
        FROM (
            SELECT DISTINCT ON (connector, message_id) *,
                CASE WHEN status = 'failed' THEN 'failed' ELSE 'delivered' END AS forward_status
            FROM import_new
            WHERE final
            ORDER BY connector, message_id, event_at
        ) f
        JOIN messages m USING (connector, message_id)
        LEFT JOIN import_before p USING (connector, message_id)
        WHERE p.final_at IS NULL;
    END IF;
    GET DIAGNOSTICS forwards = ROW_COUNT;
END
$$;


-- Summaries by reason read the rollup: the message_facts view gains the reason, the rollup a
-- `reason` dimension, and the next refresh rebuilds every hour (a NULL watermark) so hours
-- rolled up before this migration have it too.
CREATE OR REPLACE VIEW message_facts AS
SELECT
    m.connector, m.message_id, m.status, m.first_event_at, m.final_at, m.error_code,
    m.sender, m.channel,
    recipient_country(m.recipient) AS recipient_country,
    CASE WHEN m.final_at IS NOT NULL
        THEN latency_bucket(extract(epoch FROM m.final_at - m.first_event_at)::double precision)
    END AS latency_bucket,
    m.reason_category,
    m.event_at  -- the latest status's time: summaries count overdue messages (0011)
FROM messages m;

CREATE OR REPLACE FUNCTION rollup_hours(p_hours timestamptz[]) RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB'
AS $$
BEGIN
    IF p_hours IS NULL THEN
        TRUNCATE message_rollup_hourly;
    ELSE
        DELETE FROM message_rollup_hourly WHERE hour = ANY (p_hours);
    END IF;
    WITH facts AS (
        SELECT date_trunc('hour', first_event_at) AS hour, status, error_code, sender,
               recipient_country, channel, latency_bucket, reason_category
        FROM message_facts
        WHERE p_hours IS NULL
        UNION ALL
        SELECT h.hour, f.status, f.error_code, f.sender, f.recipient_country, f.channel,
               f.latency_bucket, f.reason_category
        FROM unnest(p_hours) AS h (hour)
        JOIN message_facts f
          ON f.first_event_at >= h.hour AND f.first_event_at < h.hour + interval '1 hour'
    ), grouped AS (
        SELECT hour, status, latency_bucket,
               CASE WHEN GROUPING(error_code) = 0 THEN 'error'
                    WHEN GROUPING(sender) = 0 THEN 'sender'
                    WHEN GROUPING(recipient_country) = 0 THEN 'country'
                    WHEN GROUPING(channel) = 0 THEN 'channel'
                    WHEN GROUPING(reason_category) = 0 THEN 'reason'
                    ELSE 'all' END AS dimension,
               coalesce(error_code, sender, recipient_country, channel, reason_category, '')
                   AS key,
               count(*) AS n
        FROM facts
        GROUP BY GROUPING SETS (
            (hour, status, latency_bucket),
            (hour, status, latency_bucket, error_code),
            (hour, status, latency_bucket, sender),
            (hour, status, latency_bucket, recipient_country),
            (hour, status, latency_bucket, channel),
            (hour, status, latency_bucket, reason_category))
    )
    INSERT INTO message_rollup_hourly
        (hour, dimension, key, status, messages, final_messages, latency_buckets, latency_counts)
    SELECT hour, dimension, key, status, sum(n),
           coalesce(sum(n) FILTER (WHERE latency_bucket IS NOT NULL), 0),
           coalesce(array_agg(latency_bucket ORDER BY latency_bucket)
                    FILTER (WHERE latency_bucket IS NOT NULL), '{}'),
           coalesce(array_agg(n ORDER BY latency_bucket)
                    FILTER (WHERE latency_bucket IS NOT NULL), '{}')
    FROM grouped
    GROUP BY hour, dimension, key, status;
END
$$;

UPDATE message_rollup_state SET watermark = NULL;
