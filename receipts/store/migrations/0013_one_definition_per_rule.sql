-- One definition per rule. Each rule of the write path had been spelled out wherever it was
-- used: the body MoEngage is sent in forward_body, twice more in the import and once more
-- in the batch ingest; the merge of a receipt into its message in apply_receipt and again
-- in the import's upsert. Each is now one function the others call:
--
--   moengage_status   which status a stored receipt forwards, if any (final or all mode)
--   moengage_body     the flat body MoEngage is sent for a message's outcome
--   message_of        the message a receipt makes when it is the first of its message
--   merged_message    a message with more receipts merged in (the status never moves back)
--
-- The SQL functions are plain expressions or single SELECTs, so PostgreSQL inlines them into
-- the statements that call them: naming a rule costs the hot path nothing (bench/ingest.py).
-- message_of and merged_message return SETOF for that reason (a function in FROM is inlined
-- only when declared to return a set); each returns exactly one row.
-- store/schema.sql shows every function as it now stands.

-- `all` forwards every change of the current status; `final` the first final outcome, as
-- delivered or failed (MoEngage counts anything but its success value as a failure).
CREATE FUNCTION moengage_status(
    p_status text, p_final boolean, p_had_final boolean, p_status_changed boolean,
    p_forward_mode text
) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_forward_mode = 'all' THEN CASE WHEN p_status_changed THEN p_status END
        WHEN p_final AND NOT p_had_final THEN
            CASE WHEN p_status = 'failed' THEN 'failed' ELSE 'delivered' END
    END
$$;

-- The reason is the provider's words for the outcome, most specific first; times are UTC.
CREATE FUNCTION moengage_body(
    p_message_id text, p_client_message_id text, p_status text, p_error_message text,
    p_provider_detail text, p_provider_status text, p_error_code text, p_event_at timestamptz,
    p_recipient text, p_channel text, p_reason_category text, p_permanent boolean
) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'message_id', p_message_id,
        'client_message_id', p_client_message_id,
        'status', p_status,
        'reason', coalesce(p_error_message, p_provider_detail, p_provider_status),
        'error_code', p_error_code,
        'event_at', to_char(p_event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'recipient', p_recipient,
        'channel', p_channel,
        'reason_category', p_reason_category,
        'permanent', p_permanent))
$$;

CREATE FUNCTION message_of(r receipts) RETURNS SETOF messages
LANGUAGE sql STABLE ROWS 1 AS $$
    SELECT r.connector, r.message_id, r.client_message_id, r.status, r.provider_status,
        r.provider_detail, r.event_at, r.event_at, CASE WHEN r.final THEN r.event_at END,
        r.recipient, r.sender, r.error_code, r.error_message, r.provider_error_code,
        r.channel, r.price, r.currency, r.segments, r.batch_id, r.client_batch_id,
        1, now(), now(), r.reason_category, r.permanent, NULL::timestamptz
$$;

-- `incoming` is what the new receipts make on their own (message_of, or the import's
-- aggregate of a batch's receipts): its status replaces the current one only when it
-- advances (status_advances), facts that are missing are filled in, counts add up.
CREATE FUNCTION merged_message(cur messages, incoming messages) RETURNS SETOF messages
LANGUAGE sql STABLE ROWS 1 AS $$
    SELECT cur.connector, cur.message_id,
        coalesce(cur.client_message_id, incoming.client_message_id),
        CASE WHEN a.advances THEN incoming.status ELSE cur.status END,
        CASE WHEN a.advances THEN incoming.provider_status ELSE cur.provider_status END,
        CASE WHEN a.advances THEN incoming.provider_detail ELSE cur.provider_detail END,
        CASE WHEN a.advances THEN incoming.event_at ELSE cur.event_at END,
        least(cur.first_event_at, incoming.first_event_at),
        coalesce(cur.final_at, incoming.final_at),
        coalesce(cur.recipient, incoming.recipient),
        coalesce(cur.sender, incoming.sender),
        CASE WHEN a.advances AND incoming.error_code IS NOT NULL
            THEN incoming.error_code ELSE cur.error_code END,
        CASE WHEN a.advances AND incoming.error_message IS NOT NULL
            THEN incoming.error_message ELSE cur.error_message END,
        coalesce(cur.provider_error_code, incoming.provider_error_code),
        coalesce(cur.channel, incoming.channel),
        coalesce(cur.price, incoming.price),
        coalesce(cur.currency, incoming.currency),
        coalesce(cur.segments, incoming.segments),
        coalesce(cur.batch_id, incoming.batch_id),
        coalesce(cur.client_batch_id, incoming.client_batch_id),
        cur.receipt_count + incoming.receipt_count,
        cur.created_at,
        now(),
        CASE WHEN a.advances THEN incoming.reason_category ELSE cur.reason_category END,
        CASE WHEN a.advances THEN incoming.permanent ELSE cur.permanent END,
        cur.overdue_forwarded_at
    FROM (SELECT status_advances(incoming.status, incoming.event_at, cur.status, cur.event_at)
              AS advances) AS a
$$;

-- One stored receipt applied to its message (created if new; the current status never moves
-- back) and its forward enqueued. Callers apply a message's receipts in arrival order.
CREATE OR REPLACE FUNCTION apply_receipt(r receipts, p_forward_mode text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m messages%ROWTYPE;
    created boolean := false;
    new_status text;
    forwarded text;
BEGIN
    SELECT * INTO m FROM messages
    WHERE message_id = r.message_id AND connector = r.connector FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO messages SELECT * FROM message_of(r)
        ON CONFLICT (message_id, connector) DO NOTHING
        RETURNING * INTO m;
        created := FOUND;
        IF created THEN
            forwarded := moengage_status(r.status, r.final, false, true, p_forward_mode);
        ELSE
            -- Created by a concurrent transaction since our look: lock it and go on as known.
            SELECT * INTO m FROM messages
            WHERE message_id = r.message_id AND connector = r.connector FOR UPDATE;
        END IF;
    END IF;
    IF NOT created THEN
        UPDATE messages AS cur SET (
            client_message_id, status, provider_status, provider_detail, event_at,
            first_event_at, final_at, recipient, sender, error_code, error_message,
            provider_error_code, channel, price, currency, segments, batch_id, client_batch_id,
            receipt_count, updated_at, reason_category, permanent
        ) = (
            SELECT x.client_message_id, x.status, x.provider_status, x.provider_detail,
                x.event_at, x.first_event_at, x.final_at, x.recipient, x.sender, x.error_code,
                x.error_message, x.provider_error_code, x.channel, x.price, x.currency,
                x.segments, x.batch_id, x.client_batch_id, x.receipt_count, x.updated_at,
                x.reason_category, x.permanent
            FROM message_of(r) AS n, merged_message(cur, n) AS x)
        WHERE message_id = r.message_id AND connector = r.connector
        RETURNING status INTO new_status;
        forwarded := moengage_status(
            r.status, r.final, m.final_at IS NOT NULL, new_status <> m.status, p_forward_mode);
    END IF;
    IF forwarded IS NOT NULL THEN
        INSERT INTO forwards (connector, message_id, status, body)
        VALUES (r.connector, r.message_id, forwarded, moengage_body(
            r.message_id, coalesce(r.client_message_id, m.client_message_id), forwarded,
            r.error_message, r.provider_detail, r.provider_status, r.error_code, r.event_at,
            coalesce(r.recipient, m.recipient), coalesce(r.channel, m.channel),
            r.reason_category, r.permanent));
    END IF;
END
$$;

-- A batch of webhook bodies in one statement (group commit): new messages set-based, known
-- ones through apply_receipt.
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
    ids := ARRAY(SELECT nextval('webhook_bodies_id_seq'::regclass)
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
        INSERT INTO messages
        SELECT n.*
        FROM single AS s CROSS JOIN LATERAL message_of(ROW(s.*)::receipts) AS n
        ORDER BY n.connector, n.message_id
        ON CONFLICT (message_id, connector) DO NOTHING
        RETURNING *
    ), forwarded AS (
        INSERT INTO forwards (connector, message_id, status, body)
        SELECT c.connector, c.message_id, f.status, moengage_body(
            c.message_id, c.client_message_id, f.status, c.error_message, c.provider_detail,
            c.provider_status, c.error_code, c.event_at, c.recipient, c.channel,
            c.reason_category, c.permanent)
        FROM created AS c
        CROSS JOIN LATERAL (SELECT moengage_status(
            c.status, c.final_at IS NOT NULL, false, true, p_forward_mode) AS status) AS f
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

-- The import's set-based store: the same rules, applied to a whole batch.
CREATE OR REPLACE FUNCTION finish_receipt_import(
    p_forward_mode text, p_forward boolean,
    OUT bodies integer, OUT stored integer, OUT duplicates integer, OUT forwards integer
)
LANGUAGE plpgsql AS $$
BEGIN
    -- Statistics on the staging tables: without them the planner guesses, and a guess can mean
    -- a sequential scan of all messages for every batch. Only the columns the statements join
    -- and group on: the others' statistics cost a tenth of the import and decide nothing.
    ANALYZE import_bodies (line, id, outcome);
    ANALYZE import_receipts (line, connector, message_id);
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
    ANALYZE import_new (connector, message_id, body_id);
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
    ON CONFLICT (message_id, connector) DO UPDATE SET (
        client_message_id, status, provider_status, provider_detail, event_at,
        first_event_at, final_at, recipient, sender, error_code, error_message,
        provider_error_code, channel, price, currency, segments, batch_id, client_batch_id,
        receipt_count, updated_at, reason_category, permanent
    ) = (
        SELECT x.client_message_id, x.status, x.provider_status, x.provider_detail,
            x.event_at, x.first_event_at, x.final_at, x.recipient, x.sender, x.error_code,
            x.error_message, x.provider_error_code, x.channel, x.price, x.currency,
            x.segments, x.batch_id, x.client_batch_id, x.receipt_count, x.updated_at,
            x.reason_category, x.permanent
        FROM merged_message(cur, excluded) AS x);

    forwards := 0;
    IF NOT p_forward THEN
        RETURN;
    END IF;
    IF p_forward_mode = 'all' THEN
        -- One forward per message whose current status this batch changed: its new status.
        INSERT INTO forwards (connector, message_id, status, body)
        SELECT m.connector, m.message_id, m.status, moengage_body(
            m.message_id, m.client_message_id, m.status, m.error_message, m.provider_detail,
            m.provider_status, m.error_code, m.event_at, m.recipient, m.channel,
            m.reason_category, m.permanent)
        FROM messages m
        JOIN (SELECT DISTINCT connector, message_id FROM import_new) n
            USING (connector, message_id)
        LEFT JOIN import_before p USING (connector, message_id)
        WHERE p.status IS DISTINCT FROM m.status;
    ELSE
        -- The first final outcome of a message that had none: what ingest_body would forward.
        INSERT INTO forwards (connector, message_id, status, body)
        SELECT f.connector, f.message_id, f.forward_status, moengage_body(
            f.message_id, coalesce(f.client_message_id, m.client_message_id), f.forward_status,
            f.error_message, f.provider_detail, f.provider_status, f.error_code, f.event_at,
            coalesce(f.recipient, m.recipient), coalesce(f.channel, m.channel),
            f.reason_category, f.permanent)
        FROM (
            SELECT DISTINCT ON (connector, message_id) *,
                moengage_status(status, final, false, true, p_forward_mode) AS forward_status
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

-- What MoEngage is sent for an overdue message: failed, with the reason no_final_receipt,
-- at the time Receipts gave up waiting.
CREATE OR REPLACE FUNCTION overdue_forward_body(m messages) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT moengage_body(
        m.message_id, m.client_message_id, 'failed', 'no_final_receipt', NULL, NULL, NULL,
        now(), m.recipient, m.channel, 'other', false)
$$;

DROP FUNCTION forward_body(receipts, messages, text);
DROP FUNCTION forward_status(receipts, boolean, boolean, text);
