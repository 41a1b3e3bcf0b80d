-- Backfill (`receipts import`) as set-based SQL over COPY-filled staging tables, and retention
-- (`receipts db prune`) by dropping whole monthly partitions.

-- Partitions for the months an import brings, made before (and outside) its batch transaction,
-- which would otherwise hold the partition locks while it runs. Without them historical rows
-- would pile into the default partition, and a partition for their month could not be made.
-- Months more than ten years back or beyond the usual horizon stay in the default partition.
CREATE FUNCTION ensure_import_partitions(p_months date[]) RETURNS integer
LANGUAGE sql AS $$
    SELECT coalesce(sum(ensure_receipt_partitions(month, (month + interval '1 month')::date)), 0)::integer
    FROM (SELECT DISTINCT date_trunc('month', m)::date AS month FROM unnest(p_months) AS m) months
    WHERE month >= date_trunc('month', now()) - interval '10 years'
      AND month < date_trunc('month', now()) + interval '5 months'
$$;

-- The staging tables of one import batch: temporary, gone at the batch's commit. Lines are
-- numbered within the batch; a receipt points at the line (body) it came from.
CREATE FUNCTION begin_receipt_import() RETURNS void
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
        mapping              text NOT NULL
    ) ON COMMIT DROP;
END
$$;

-- Everything staged, in a handful of set-based statements: receipts deduplicated against what
-- is stored (receipts_once), messages moved forward only (the ingest_body rule, applied to each
-- message's best new receipt), bodies kept when they brought something new, and, when asked,
-- forwards queued for messages whose first final outcome this import brings.
CREATE FUNCTION finish_receipt_import(
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
            client_batch_id, mapping, body_id)
        SELECT r.connector, r.message_id, r.client_message_id, r.status, r.provider_status,
            r.provider_detail, r.final, coalesce(r.event_at, now()), r.recipient, r.sender,
            r.error_code, r.error_message, r.provider_error_code, r.channel, r.price,
            r.currency, r.segments, r.batch_id, r.client_batch_id, r.mapping, b.id
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
        receipt_count)
    SELECT b.connector, b.message_id, k.client_message_id, b.status, b.provider_status,
        b.provider_detail, b.event_at, k.first_event_at, k.final_at, k.recipient, k.sender,
        b.error_code, b.error_message, k.provider_error_code, k.channel, k.price, k.currency,
        k.segments, k.batch_id, k.client_batch_id, k.receipt_count
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
            'recipient', m.recipient, 'channel', m.channel))
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
            'channel', coalesce(f.channel, m.channel)))
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

-- Retention: every monthly partition wholly before p_before is dropped, rows of the default
-- partition (out-of-range provider times) before it are deleted, then the messages left with
-- no receipt and the raw bodies received before it. Pending forwards are left alone.
CREATE FUNCTION prune_receipts(
    p_before date,
    OUT partitions integer, OUT default_rows bigint, OUT messages_deleted bigint,
    OUT bodies_deleted bigint
)
LANGUAGE plpgsql AS $$
DECLARE
    cutoff date := date_trunc('month', p_before);
    part record;
BEGIN
    partitions := 0;
    FOR part IN
        SELECT c.relname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'receipts'::regclass
          AND c.relname ~ '^receipts_[0-9]{4}_[0-9]{2}$'
          AND to_date(substr(c.relname, 10), 'YYYY_MM') < cutoff
        ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        partitions := partitions + 1;
    END LOOP;

    DELETE FROM receipts_default WHERE event_at < cutoff::timestamp AT TIME ZONE 'UTC';
    GET DIAGNOSTICS default_rows = ROW_COUNT;

    DELETE FROM messages m
    WHERE m.first_event_at < cutoff::timestamp AT TIME ZONE 'UTC'
      AND NOT EXISTS (
          SELECT 1 FROM receipts r
          WHERE r.connector = m.connector AND r.message_id = m.message_id);
    GET DIAGNOSTICS messages_deleted = ROW_COUNT;

    DELETE FROM webhook_bodies WHERE received_at < cutoff::timestamp AT TIME ZONE 'UTC';
    GET DIAGNOSTICS bodies_deleted = ROW_COUNT;
END
$$;
