-- The foundation: every webhook body as received, receipts (one row per distinct status
-- event, partitioned by month of event time), messages (current status), and the outbox of
-- forwards to MoEngage, written in the same transaction as the receipt that causes it.

CREATE TABLE webhook_bodies (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at   timestamptz NOT NULL DEFAULT now(),
    connector     text NOT NULL,
    content_type  text,
    body          bytea NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('receipt', 'ignored', 'quarantined')),
    mapping       text,
    receipts      integer NOT NULL DEFAULT 0,
    error_code    text,
    error_detail  text
);
CREATE INDEX webhook_bodies_quarantined ON webhook_bodies (received_at) WHERE outcome = 'quarantined';

CREATE TABLE receipts (
    id                   bigint GENERATED ALWAYS AS IDENTITY,
    connector            text NOT NULL,
    message_id           text NOT NULL,
    client_message_id    text,
    status               text NOT NULL
        CHECK (status IN ('queued', 'sent', 'delivered', 'read', 'failed', 'unknown')),
    provider_status      text NOT NULL,
    provider_detail      text,
    final                boolean NOT NULL,
    event_at             timestamptz NOT NULL,
    received_at          timestamptz NOT NULL DEFAULT now(),
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
    mapping              text NOT NULL,
    body_id              bigint NOT NULL,
    PRIMARY KEY (id, event_at),
    -- A provider's retry of the same receipt is the same row: this key is the deduplication.
    CONSTRAINT receipts_once UNIQUE NULLS NOT DISTINCT
        (connector, message_id, provider_status, provider_detail, event_at)
) PARTITION BY RANGE (event_at);

-- Receipts whose month has no partition (very old or far-future provider times) land here.
CREATE TABLE receipts_default PARTITION OF receipts DEFAULT;

CREATE TABLE messages (
    connector            text NOT NULL,
    message_id           text NOT NULL,
    client_message_id    text,
    status               text NOT NULL,
    provider_status      text NOT NULL,
    provider_detail      text,
    event_at             timestamptz NOT NULL,
    first_event_at       timestamptz NOT NULL,
    final_at             timestamptz,
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
    receipt_count        integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connector, message_id)
);
CREATE INDEX messages_by_message_id ON messages (message_id);
CREATE INDEX messages_by_client_message_id ON messages (client_message_id)
    WHERE client_message_id IS NOT NULL;

CREATE TABLE forwards (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    connector         text NOT NULL,
    message_id        text NOT NULL,
    status            text NOT NULL,
    body              jsonb NOT NULL,
    state             text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz,
    last_http_status  integer,
    last_error        text
);
CREATE INDEX forwards_due ON forwards (next_attempt_at) WHERE state = 'pending';

-- Status order for out-of-order delivery: queued < sent < delivered < read; failed is terminal.
CREATE FUNCTION status_rank(status text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE status
        WHEN 'queued' THEN 1 WHEN 'sent' THEN 2 WHEN 'delivered' THEN 3
        WHEN 'read' THEN 4 WHEN 'failed' THEN 5 ELSE 0 END
$$;

-- One month's partition per month in [p_from, p_to); a month whose rows already sit in the
-- default partition is left there (creating it would fail) and reported as a notice.
CREATE FUNCTION ensure_receipt_partitions(p_from date, p_to date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    month date := date_trunc('month', p_from);
    created integer := 0;
    name text;
BEGIN
    WHILE month < p_to LOOP
        name := format('receipts_%s', to_char(month, 'YYYY_MM'));
        IF to_regclass(name) IS NULL THEN
            BEGIN
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF receipts FOR VALUES FROM (%L) TO (%L)',
                    name, month::timestamptz AT TIME ZONE 'UTC',
                    (month + interval '1 month')::timestamptz AT TIME ZONE 'UTC');
                created := created + 1;
            EXCEPTION WHEN check_violation THEN
                RAISE NOTICE 'receipts for % are in receipts_default; partition not created', name;
            END;
        END IF;
        month := month + interval '1 month';
    END LOOP;
    RETURN created;
END
$$;

-- The whole write path of one webhook body in one round trip: the raw body, each receipt
-- (deduplicated by receipts_once), the message's current status (never moving back), and the
-- forward to MoEngage when the receipt changes what MoEngage should know.
CREATE FUNCTION ingest_body(
    p_connector text, p_content_type text, p_body bytea, p_mapping text,
    p_receipts jsonb, p_forward_mode text,
    OUT body_id bigint, OUT stored integer, OUT duplicates integer
)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    m messages%ROWTYPE;
    advances boolean;
    status_changed boolean;
    forward_status text;
BEGIN
    stored := 0;
    duplicates := 0;
    INSERT INTO webhook_bodies (connector, content_type, body, outcome, mapping, receipts)
    VALUES (p_connector, p_content_type, p_body, 'receipt', p_mapping, jsonb_array_length(p_receipts))
    RETURNING id INTO body_id;

    FOR r IN
        SELECT * FROM jsonb_to_recordset(p_receipts) AS x(
            message_id text, client_message_id text, status text, provider_status text,
            provider_detail text, final boolean, event_at timestamptz, recipient text,
            sender text, error_code text, error_message text, provider_error_code text,
            channel text, price numeric, currency text, segments integer, batch_id text,
            client_batch_id text)
    LOOP
        r.event_at := coalesce(r.event_at, now());
        INSERT INTO receipts (
            connector, message_id, client_message_id, status, provider_status,
            provider_detail, final, event_at, recipient, sender, error_code, error_message,
            provider_error_code, channel, price, currency, segments, batch_id,
            client_batch_id, mapping, body_id)
        VALUES (
            p_connector, r.message_id, r.client_message_id, r.status, r.provider_status,
            r.provider_detail, coalesce(r.final, false), r.event_at, r.recipient, r.sender,
            r.error_code, r.error_message, r.provider_error_code, r.channel, r.price,
            r.currency, r.segments, r.batch_id, r.client_batch_id, p_mapping, body_id)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            duplicates := duplicates + 1;
            CONTINUE;
        END IF;
        stored := stored + 1;

        INSERT INTO messages AS cur (
            connector, message_id, client_message_id, status, provider_status,
            provider_detail, event_at, first_event_at, recipient, sender, error_code,
            error_message, provider_error_code, channel, price, currency, segments, batch_id,
            client_batch_id)
        VALUES (
            p_connector, r.message_id, r.client_message_id, r.status, r.provider_status,
            r.provider_detail, r.event_at, r.event_at, r.recipient, r.sender, r.error_code,
            r.error_message, r.provider_error_code, r.channel, r.price, r.currency,
            r.segments, r.batch_id, r.client_batch_id)
        ON CONFLICT (connector, message_id) DO NOTHING
        RETURNING * INTO m;
        IF FOUND THEN
            status_changed := true;
        ELSE
            SELECT * INTO m FROM messages
            WHERE connector = p_connector AND message_id = r.message_id FOR UPDATE;
            advances := status_rank(r.status) > status_rank(m.status)
                OR (r.status = m.status AND r.event_at > m.event_at);
            status_changed := advances AND r.status <> m.status;
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
            WHERE connector = p_connector AND message_id = r.message_id
            RETURNING * INTO m;
        END IF;

        forward_status := NULL;
        IF p_forward_mode = 'all' THEN
            IF status_changed THEN
                forward_status := r.status;
            END IF;
        ELSIF coalesce(r.final, false) AND m.final_at IS NULL THEN
            forward_status := CASE WHEN r.status = 'failed' THEN 'failed' ELSE 'delivered' END;
        END IF;
        IF coalesce(r.final, false) AND m.final_at IS NULL THEN
            UPDATE messages SET final_at = r.event_at
            WHERE connector = p_connector AND message_id = r.message_id;
        END IF;

        IF forward_status IS NOT NULL THEN
            INSERT INTO forwards (connector, message_id, status, body)
            VALUES (p_connector, r.message_id, forward_status, jsonb_strip_nulls(jsonb_build_object(
                'message_id', r.message_id,
                'client_message_id', coalesce(r.client_message_id, m.client_message_id),
                'status', forward_status,
                'reason', coalesce(r.error_message, r.provider_detail, r.provider_status),
                'error_code', r.error_code,
                'event_at', to_char(r.event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                'recipient', coalesce(r.recipient, m.recipient),
                'channel', coalesce(r.channel, m.channel))));
        END IF;
    END LOOP;
END
$$;
