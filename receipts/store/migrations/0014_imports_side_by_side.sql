-- `receipts import` stores two batches at once, one per connection (intake/backfill.py).
-- Their receipts are inserted in the deduplication key's order, so two batches holding the
-- same receipts wait on each other in one order instead of deadlocking (a deadlock with a
-- webhook batch is still possible, and either side runs its batch again); and the staging
-- tables' statistics come from a smaller sample.
-- store/schema.sql shows the function as it now stands.

CREATE OR REPLACE FUNCTION finish_receipt_import(
    p_forward_mode text, p_forward boolean,
    OUT bodies integer, OUT stored integer, OUT duplicates integer, OUT forwards integer
)
LANGUAGE plpgsql
-- The staging tables are ANALYZEd for row counts and distinct keys: a sample of 3,000 rows
-- tells those as well as the default 30,000 did, for a fifth of the time.
SET default_statistics_target = 10
AS $$
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
        -- In the deduplication key's order (the file's order within a key, so the first copy
        -- of a line wins): two batches stored at once then wait on each other's keys in one
        -- order, never in a cycle.
        ORDER BY r.connector, r.message_id, r.provider_status, r.provider_detail, r.event_at,
            r.line
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
