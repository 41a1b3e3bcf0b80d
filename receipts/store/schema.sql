-- Dumped from database version 16

--
-- PostgreSQL database dump
--

--
-- Name: ingest_receipt; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.ingest_receipt AS (
	message_id text,
	client_message_id text,
	status text,
	provider_status text,
	provider_detail text,
	final boolean,
	event_at timestamp with time zone,
	recipient text,
	sender text,
	error_code text,
	error_message text,
	provider_error_code text,
	channel text,
	price numeric,
	currency text,
	segments integer,
	batch_id text,
	client_batch_id text,
	reason_category text,
	permanent boolean
);

--
-- Name: receipts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.receipts (
    id bigint NOT NULL,
    connector text NOT NULL,
    message_id text NOT NULL,
    client_message_id text,
    status text NOT NULL,
    provider_status text NOT NULL,
    provider_detail text,
    final boolean NOT NULL,
    event_at timestamp with time zone NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    recipient text,
    sender text,
    error_code text,
    error_message text,
    provider_error_code text,
    channel text,
    price numeric,
    currency text,
    segments integer,
    batch_id text,
    client_batch_id text,
    mapping text NOT NULL,
    body_id bigint NOT NULL,
    reason_category text,
    permanent boolean,
    CONSTRAINT receipts_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'sent'::text, 'delivered'::text, 'read'::text, 'failed'::text, 'unknown'::text])))
)
PARTITION BY RANGE (event_at);

--
-- Name: apply_receipt(public.receipts, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apply_receipt(r public.receipts, p_forward_mode text) RETURNS void
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: begin_receipt_import(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.begin_receipt_import() RETURNS void
    LANGUAGE plpgsql
    AS $_$
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
$_$;

--
-- Name: compile_recipient_country(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.compile_recipient_country() RETURNS void
    LANGUAGE plpgsql
    AS $_$
DECLARE
    leaves jsonb;
    prefixes jsonb;
BEGIN
    WITH RECURSIVE node (prefix, country) AS (
        SELECT prefix, country FROM calling_prefixes
        UNION ALL
        SELECT n.prefix || d::text, n.country
        FROM node n CROSS JOIN generate_series(0, 9) AS d
        WHERE EXISTS (SELECT 1 FROM calling_prefixes q WHERE q.prefix LIKE n.prefix || '_%')
          AND NOT EXISTS (SELECT 1 FROM calling_prefixes q WHERE q.prefix = n.prefix || d::text)
    )
    SELECT coalesce(jsonb_object_agg(prefix, country), '{}') INTO leaves
    FROM node n
    WHERE NOT EXISTS (SELECT 1 FROM calling_prefixes q WHERE q.prefix LIKE n.prefix || '_%');
    SELECT coalesce(jsonb_object_agg(prefix, country), '{}') INTO prefixes FROM calling_prefixes;

    EXECUTE format($fn$
        CREATE OR REPLACE FUNCTION recipient_country(recipient text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $body$
            SELECT country_by_prefix(%L::jsonb, %L::jsonb, recipient)
        $body$ $fn$, leaves, prefixes);
END
$_$;

--
-- Name: country_by_prefix(jsonb, jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.country_by_prefix(leaves jsonb, prefixes jsonb, recipient text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN recipient LIKE '+%' THEN coalesce(
        leaves ->> substr(recipient, 2, 1), leaves ->> substr(recipient, 2, 2),
        leaves ->> substr(recipient, 2, 3), leaves ->> substr(recipient, 2, 4),
        leaves ->> substr(recipient, 2, 5), leaves ->> substr(recipient, 2, 6),
        leaves ->> substr(recipient, 2, 7),
        prefixes ->> substr(recipient, 2, 7), prefixes ->> substr(recipient, 2, 6),
        prefixes ->> substr(recipient, 2, 5), prefixes ->> substr(recipient, 2, 4),
        prefixes ->> substr(recipient, 2, 3), prefixes ->> substr(recipient, 2, 2),
        prefixes ->> substr(recipient, 2, 1))
    END
$$;

--
-- Name: ensure_import_partitions(date[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ensure_import_partitions(p_months date[]) RETURNS integer
    LANGUAGE sql
    AS $$
    SELECT coalesce(sum(ensure_receipt_partitions(month, (month + interval '1 month')::date)), 0)::integer
    FROM (SELECT DISTINCT date_trunc('month', m)::date AS month FROM unnest(p_months) AS m) months
    WHERE month >= date_trunc('month', now()) - interval '10 years'
      AND month < date_trunc('month', now()) + interval '5 months'
$$;

--
-- Name: ensure_receipt_partitions(date, date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ensure_receipt_partitions(p_from date, p_to date) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: finish_receipt_import(text, boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.finish_receipt_import(p_forward_mode text, p_forward boolean, OUT bodies integer, OUT stored integer, OUT duplicates integer, OUT forwards integer) RETURNS record
    LANGUAGE plpgsql
    SET default_statistics_target TO '10'
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

--
-- Name: ingest_bodies(text[], text[], bytea[], text[], jsonb[], text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ingest_bodies(p_connectors text[], p_content_types text[], p_bodies bytea[], p_mappings text[], p_receipts jsonb[], p_forward_mode text) RETURNS TABLE(body_id bigint, stored integer, duplicates integer)
    LANGUAGE plpgsql
    SET plan_cache_mode TO 'force_generic_plan'
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

--
-- Name: ingest_body(text, text, bytea, text, jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ingest_body(p_connector text, p_content_type text, p_body bytea, p_mapping text, p_receipts jsonb, p_forward_mode text, OUT body_id bigint, OUT stored integer, OUT duplicates integer) RETURNS record
    LANGUAGE sql
    AS $$
    SELECT * FROM ingest_bodies(ARRAY[p_connector], ARRAY[p_content_type], ARRAY[p_body],
                                ARRAY[p_mapping], ARRAY[p_receipts], p_forward_mode)
$$;

--
-- Name: is_overdue(timestamp with time zone, timestamp with time zone, text, text[], double precision[], double precision, double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.is_overdue(p_final_at timestamp with time zone, p_event_at timestamp with time zone, p_channel text, p_channels text[], p_seconds double precision[], p_default double precision, p_shortest double precision) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT p_final_at IS NULL
       AND p_event_at < now() - make_interval(secs => p_shortest)
       AND p_event_at < now() - overdue_window(p_channel, p_channels, p_seconds, p_default)
$$;

--
-- Name: latency_bucket(double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.latency_bucket(seconds double precision) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE
        WHEN seconds <= 60 THEN greatest(ceil(seconds), 0)::smallint
        ELSE least(60 + ceil(ln(seconds / 60) / ln(1.05)), 1000)::smallint
    END
$$;

--
-- Name: messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.messages (
    connector text NOT NULL,
    message_id text NOT NULL,
    client_message_id text,
    status text NOT NULL,
    provider_status text NOT NULL,
    provider_detail text,
    event_at timestamp with time zone NOT NULL,
    first_event_at timestamp with time zone NOT NULL,
    final_at timestamp with time zone,
    recipient text,
    sender text,
    error_code text,
    error_message text,
    provider_error_code text,
    channel text,
    price numeric,
    currency text,
    segments integer,
    batch_id text,
    client_batch_id text,
    receipt_count integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    reason_category text,
    permanent boolean,
    overdue_forwarded_at timestamp with time zone
);

--
-- Name: merged_message(public.messages, public.messages); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.merged_message(cur public.messages, incoming public.messages) RETURNS SETOF public.messages
    LANGUAGE sql STABLE ROWS 1
    AS $$
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

--
-- Name: message_of(public.receipts); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.message_of(r public.receipts) RETURNS SETOF public.messages
    LANGUAGE sql STABLE ROWS 1
    AS $$
    SELECT r.connector, r.message_id, r.client_message_id, r.status, r.provider_status,
        r.provider_detail, r.event_at, r.event_at, CASE WHEN r.final THEN r.event_at END,
        r.recipient, r.sender, r.error_code, r.error_message, r.provider_error_code,
        r.channel, r.price, r.currency, r.segments, r.batch_id, r.client_batch_id,
        1, now(), now(), r.reason_category, r.permanent, NULL::timestamptz
$$;

--
-- Name: moengage_body(text, text, text, text, text, text, text, timestamp with time zone, text, text, text, boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.moengage_body(p_message_id text, p_client_message_id text, p_status text, p_error_message text, p_provider_detail text, p_provider_status text, p_error_code text, p_event_at timestamp with time zone, p_recipient text, p_channel text, p_reason_category text, p_permanent boolean) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
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

--
-- Name: moengage_status(text, boolean, boolean, boolean, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.moengage_status(p_status text, p_final boolean, p_had_final boolean, p_status_changed boolean, p_forward_mode text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE
        WHEN p_forward_mode = 'all' THEN CASE WHEN p_status_changed THEN p_status END
        WHEN p_final AND NOT p_had_final THEN
            CASE WHEN p_status = 'failed' THEN 'failed' ELSE 'delivered' END
    END
$$;

--
-- Name: overdue_forward_body(public.messages); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.overdue_forward_body(m public.messages) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT moengage_body(
        m.message_id, m.client_message_id, 'failed', 'no_final_receipt', NULL, NULL, NULL,
        now(), m.recipient, m.channel, 'other', false)
$$;

--
-- Name: overdue_window(text, text[], double precision[], double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.overdue_window(p_channel text, p_channels text[], p_seconds double precision[], p_default double precision) RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT make_interval(secs => coalesce(
        (SELECT w.secs FROM unnest(p_channels, p_seconds) AS w (channel, secs)
         WHERE w.channel = p_channel),
        p_default))
$$;

--
-- Name: prune_receipts(date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.prune_receipts(p_before date, OUT partitions integer, OUT default_rows bigint, OUT messages_deleted bigint, OUT bodies_deleted bigint) RETURNS record
    LANGUAGE plpgsql
    AS $_$
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
$_$;

--
-- Name: recipient_country(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.recipient_country(recipient text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
            SELECT country_by_prefix('{"10": "US", "11": "US", "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES", "36": "HU", "40": "RO", "41": "CH", "43": "AT", "45": "DK", "46": "SE", "48": "PL", "49": "DE", "51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL", "57": "CO", "58": "VE", "60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH", "70": "RU", "71": "RU", "72": "RU", "73": "RU", "74": "RU", "75": "RU", "76": "RU", "77": "KZ", "78": "RU", "79": "RU", "81": "JP", "82": "KR", "84": "VN", "86": "CN", "90": "TR", "91": "IN", "92": "PK", "93": "AF", "94": "LK", "95": "MM", "98": "IR", "121": "US", "129": "US", "131": "US", "132": "US", "133": "US", "137": "US", "139": "US", "148": "US", "149": "US", "152": "US", "153": "US", "155": "US", "156": "US", "159": "US", "169": "US", "171": "US", "173": "US", "179": "US", "183": "US", "185": "US", "188": "US", "189": "US", "191": "US", "192": "US", "195": "US", "196": "US", "197": "US", "198": "US", "199": "US", "211": "SS", "212": "MA", "213": "DZ", "216": "TN", "218": "LY", "220": "GM", "221": "SN", "222": "MR", "223": "ML", "224": "GN", "225": "CI", "226": "BF", "227": "NE", "228": "TG", "229": "BJ", "230": "MU", "231": "LR", "232": "SL", "233": "GH", "234": "NG", "235": "TD", "236": "CF", "237": "CM", "238": "CV", "239": "ST", "240": "GQ", "241": "GA", "242": "CG", "243": "CD", "244": "AO", "245": "GW", "246": "IO", "247": "AC", "248": "SC", "249": "SD", "250": "RW", "251": "ET", "252": "SO", "253": "DJ", "254": "KE", "255": "TZ", "256": "UG", "257": "BI", "258": "MZ", "260": "ZM", "261": "MG", "262": "RE", "263": "ZW", "264": "NA", "265": "MW", "266": "LS", "267": "BW", "268": "SZ", "269": "KM", "291": "ER", "297": "AW", "298": "FO", "299": "GL", "350": "GI", "351": "PT", "352": "LU", "353": "IE", "354": "IS", "355": "AL", "356": "MT", "357": "CY", "359": "BG", "370": "LT", "371": "LV", "372": "EE", "373": "MD", "374": "AM", "375": "BY", "376": "AD", "377": "MC", "378": "SM", "380": "UA", "381": "RS", "382": "ME", "383": "XK", "385": "HR", "386": "SI", "387": "BA", "389": "MK", "391": "IT", "392": "IT", "393": "IT", "394": "IT", "395": "IT", "396": "IT", "397": "IT", "398": "IT", "399": "IT", "420": "CZ", "421": "SK", "423": "LI", "440": "GB", "442": "GB", "443": "GB", "444": "GB", "445": "GB", "446": "GB", "448": "GB", "449": "GB", "470": "NO", "471": "NO", "472": "NO", "473": "NO", "474": "NO", "475": "NO", "476": "NO", "478": "NO", "479": "NO", "500": "FK", "501": "BZ", "502": "GT", "503": "SV", "504": "HN", "505": "NI", "506": "CR", "507": "PA", "508": "PM", "509": "HT", "590": "GP", "591": "BO", "592": "GY", "593": "EC", "594": "GF", "595": "PY", "596": "MQ", "597": "SR", "598": "UY", "670": "TL", "672": "NF", "673": "BN", "674": "NR", "675": "PG", "676": "TO", "677": "SB", "678": "VU", "679": "FJ", "680": "PW", "681": "WF", "682": "CK", "683": "NU", "685": "WS", "686": "KI", "687": "NC", "688": "TV", "689": "PF", "690": "TK", "691": "FM", "692": "MH", "850": "KP", "852": "HK", "853": "MO", "855": "KH", "856": "LA", "880": "BD", "886": "TW", "960": "MV", "961": "LB", "962": "JO", "963": "SY", "964": "IQ", "965": "KW", "966": "SA", "967": "YE", "968": "OM", "970": "PS", "971": "AE", "972": "IL", "973": "BH", "974": "QA", "975": "BT", "976": "MN", "977": "NP", "992": "TJ", "993": "TM", "994": "AZ", "995": "GE", "996": "KG", "998": "UZ", "1200": "US", "1201": "US", "1202": "US", "1203": "US", "1204": "CA", "1205": "US", "1206": "US", "1207": "US", "1208": "US", "1209": "US", "1220": "US", "1221": "US", "1222": "US", "1223": "US", "1224": "US", "1225": "US", "1226": "CA", "1227": "US", "1228": "US", "1229": "US", "1230": "US", "1231": "US", "1232": "US", "1233": "US", "1234": "US", "1235": "US", "1236": "CA", "1237": "US", "1238": "US", "1239": "US", "1240": "US", "1241": "US", "1242": "BS", "1243": "US", "1244": "US", "1245": "US", "1246": "BB", "1247": "US", "1248": "US", "1249": "CA", "1250": "CA", "1251": "US", "1252": "US", "1253": "US", "1254": "US", "1255": "US", "1256": "US", "1257": "CA", "1258": "US", "1259": "US", "1260": "US", "1261": "US", "1262": "US", "1263": "CA", "1264": "AI", "1265": "US", "1266": "US", "1267": "US", "1268": "AG", "1269": "US", "1270": "US", "1271": "US", "1272": "US", "1273": "CA", "1274": "US", "1275": "US", "1276": "US", "1277": "US", "1278": "US", "1279": "US", "1280": "US", "1281": "US", "1282": "US", "1283": "US", "1284": "VG", "1285": "US", "1286": "US", "1287": "US", "1288": "US", "1289": "CA", "1300": "US", "1301": "US", "1302": "US", "1303": "US", "1304": "US", "1305": "US", "1306": "CA", "1307": "US", "1308": "US", "1309": "US", "1340": "VI", "1341": "US", "1342": "US", "1343": "CA", "1344": "US", "1345": "KY", "1346": "US", "1347": "US", "1348": "US", "1349": "US", "1350": "US", "1351": "US", "1352": "US", "1353": "US", "1354": "CA", "1355": "US", "1356": "US", "1357": "US", "1358": "US", "1359": "US", "1360": "US", "1361": "US", "1362": "US", "1363": "US", "1364": "US", "1365": "CA", "1366": "US", "1367": "CA", "1368": "CA", "1369": "US", "1380": "US", "1381": "US", "1382": "CA", "1383": "US", "1384": "US", "1385": "US", "1386": "US", "1387": "US", "1388": "US", "1389": "US", "1400": "US", "1401": "US", "1402": "US", "1403": "CA", "1404": "US", "1405": "US", "1406": "US", "1407": "US", "1408": "US", "1409": "US", "1410": "US", "1411": "US", "1412": "US", "1413": "US", "1414": "US", "1415": "US", "1416": "CA", "1417": "US", "1418": "CA", "1419": "US", "1420": "US", "1421": "US", "1422": "US", "1423": "US", "1424": "US", "1425": "US", "1426": "US", "1427": "US", "1428": "CA", "1429": "US", "1430": "US", "1431": "CA", "1432": "US", "1433": "US", "1434": "US", "1435": "US", "1436": "US", "1437": "CA", "1438": "CA", "1439": "US", "1440": "US", "1441": "BM", "1442": "US", "1443": "US", "1444": "US", "1445": "US", "1446": "US", "1447": "US", "1448": "US", "1449": "US", "1450": "CA", "1451": "US", "1452": "US", "1453": "US", "1454": "US", "1455": "US", "1456": "US", "1457": "US", "1458": "US", "1459": "US", "1460": "US", "1461": "US", "1462": "US", "1463": "US", "1464": "US", "1465": "US", "1466": "US", "1467": "US", "1468": "CA", "1469": "US", "1470": "US", "1471": "US", "1472": "US", "1473": "GD", "1474": "CA", "1475": "US", "1476": "US", "1477": "US", "1478": "US", "1479": "US", "1500": "US", "1501": "US", "1502": "US", "1503": "US", "1504": "US", "1505": "US", "1506": "CA", "1507": "US", "1508": "US", "1509": "US", "1510": "US", "1511": "US", "1512": "US", "1513": "US", "1514": "CA", "1515": "US", "1516": "US", "1517": "US", "1518": "US", "1519": "CA", "1540": "US", "1541": "US", "1542": "US", "1543": "US", "1544": "US", "1545": "US", "1546": "US", "1547": "US", "1548": "CA", "1549": "US", "1570": "US", "1571": "US", "1572": "US", "1573": "US", "1574": "US", "1575": "US", "1576": "US", "1577": "US", "1578": "US", "1579": "CA", "1580": "US", "1581": "CA", "1582": "US", "1583": "US", "1584": "CA", "1585": "US", "1586": "US", "1587": "CA", "1588": "US", "1589": "US", "1600": "CA", "1601": "US", "1602": "US", "1603": "US", "1604": "CA", "1605": "US", "1606": "US", "1607": "US", "1608": "US", "1609": "US", "1610": "US", "1611": "US", "1612": "US", "1613": "CA", "1614": "US", "1615": "US", "1616": "US", "1617": "US", "1618": "US", "1619": "US", "1620": "US", "1621": "US", "1622": "CA", "1623": "US", "1624": "US", "1625": "US", "1626": "US", "1627": "US", "1628": "US", "1629": "US", "1630": "US", "1631": "US", "1632": "US", "1633": "CA", "1634": "US", "1635": "US", "1636": "US", "1637": "US", "1638": "US", "1639": "CA", "1640": "US", "1641": "US", "1642": "US", "1643": "US", "1644": "US", "1645": "US", "1646": "US", "1647": "CA", "1648": "US", "1649": "TC", "1650": "US", "1651": "US", "1652": "US", "1653": "US", "1654": "US", "1655": "US", "1656": "US", "1657": "US", "1658": "JM", "1659": "US", "1660": "US", "1661": "US", "1662": "US", "1663": "US", "1664": "MS", "1665": "US", "1666": "US", "1667": "US", "1668": "US", "1669": "US", "1670": "MP", "1671": "GU", "1672": "CA", "1673": "US", "1674": "US", "1675": "US", "1676": "US", "1677": "US", "1678": "US", "1679": "US", "1680": "US", "1681": "US", "1682": "US", "1683": "CA", "1684": "AS", "1685": "US", "1686": "US", "1687": "US", "1688": "US", "1689": "US", "1700": "US", "1701": "US", "1702": "US", "1703": "US", "1704": "US", "1705": "CA", "1706": "US", "1707": "US", "1708": "US", "1709": "CA", "1720": "US", "1721": "SX", "1722": "US", "1723": "US", "1724": "US", "1725": "US", "1726": "US", "1727": "US", "1728": "US", "1729": "US", "1740": "US", "1741": "US", "1742": "CA", "1743": "US", "1744": "US", "1745": "US", "1746": "US", "1747": "US", "1748": "US", "1749": "US", "1750": "US", "1751": "US", "1752": "US", "1753": "CA", "1754": "US", "1755": "US", "1756": "US", "1757": "US", "1758": "LC", "1759": "US", "1760": "US", "1761": "US", "1762": "US", "1763": "US", "1764": "US", "1765": "US", "1766": "US", "1767": "DM", "1768": "US", "1769": "US", "1770": "US", "1771": "US", "1772": "US", "1773": "US", "1774": "US", "1775": "US", "1776": "US", "1777": "US", "1778": "CA", "1779": "US", "1780": "CA", "1781": "US", "1782": "CA", "1783": "US", "1784": "VC", "1785": "US", "1786": "US", "1787": "PR", "1788": "US", "1789": "US", "1801": "US", "1802": "US", "1803": "US", "1804": "US", "1805": "US", "1806": "US", "1807": "CA", "1808": "US", "1809": "DO", "1810": "US", "1811": "US", "1812": "US", "1813": "US", "1814": "US", "1815": "US", "1816": "US", "1817": "US", "1818": "US", "1819": "CA", "1820": "US", "1821": "US", "1822": "US", "1823": "US", "1824": "US", "1825": "CA", "1826": "US", "1827": "US", "1828": "US", "1829": "DO", "1840": "US", "1841": "US", "1842": "US", "1843": "US", "1844": "US", "1845": "US", "1846": "US", "1847": "US", "1848": "US", "1849": "DO", "1860": "US", "1861": "US", "1862": "US", "1863": "US", "1864": "US", "1865": "US", "1866": "US", "1867": "CA", "1868": "TT", "1869": "KN", "1870": "US", "1871": "US", "1872": "US", "1873": "CA", "1874": "US", "1875": "US", "1876": "JM", "1877": "US", "1878": "US", "1879": "CA", "1900": "US", "1901": "US", "1902": "CA", "1903": "US", "1904": "US", "1905": "CA", "1906": "US", "1907": "US", "1908": "US", "1909": "US", "1930": "US", "1931": "US", "1932": "US", "1933": "US", "1934": "US", "1935": "US", "1936": "US", "1937": "US", "1938": "US", "1939": "PR", "1940": "US", "1941": "US", "1942": "CA", "1943": "US", "1944": "US", "1945": "US", "1946": "US", "1947": "US", "1948": "US", "1949": "US", "2900": "SH", "2901": "SH", "2902": "SH", "2903": "SH", "2904": "SH", "2905": "SH", "2906": "SH", "2907": "SH", "2908": "TA", "2909": "SH", "3580": "FI", "3582": "FI", "3583": "FI", "3584": "FI", "3585": "FI", "3586": "FI", "3587": "FI", "3588": "FI", "3589": "FI", "3900": "IT", "3901": "IT", "3902": "IT", "3903": "IT", "3904": "IT", "3905": "IT", "3907": "IT", "3908": "IT", "3909": "IT", "4410": "GB", "4411": "GB", "4412": "GB", "4413": "GB", "4414": "GB", "4415": "GB", "4417": "GB", "4418": "GB", "4419": "GB", "4470": "GB", "4471": "GB", "4472": "GB", "4473": "GB", "4477": "GB", "4478": "GB", "4479": "GB", "4770": "NO", "4771": "NO", "4772": "NO", "4773": "NO", "4774": "NO", "4775": "NO", "4776": "NO", "4777": "NO", "4778": "NO", "4779": "SJ", "5990": "CW", "5991": "CW", "5992": "CW", "5993": "BQ", "5994": "BQ", "5995": "CW", "5996": "CW", "5997": "BQ", "5998": "CW", "5999": "CW", "18000": "US", "18001": "DO", "18002": "US", "18003": "US", "18004": "US", "18005": "US", "18006": "US", "18007": "US", "18008": "US", "18009": "US", "35810": "FI", "35811": "FI", "35812": "FI", "35813": "FI", "35814": "FI", "35815": "FI", "35816": "FI", "35817": "FI", "35818": "AX", "35819": "FI", "39060": "IT", "39061": "IT", "39062": "IT", "39063": "IT", "39064": "IT", "39065": "IT", "39067": "IT", "39068": "IT", "39069": "IT", "44160": "GB", "44161": "GB", "44163": "GB", "44164": "GB", "44165": "GB", "44166": "GB", "44167": "GB", "44168": "GB", "44169": "GB", "44740": "GB", "44741": "GB", "44742": "GB", "44743": "GB", "44744": "GB", "44746": "GB", "44747": "GB", "44748": "GB", "44749": "GB", "44750": "GB", "44751": "GB", "44753": "GB", "44754": "GB", "44755": "GB", "44756": "GB", "44757": "GB", "44758": "GB", "44759": "GB", "44760": "GB", "44761": "GB", "44763": "GB", "44764": "GB", "44765": "GB", "44766": "GB", "44767": "GB", "44768": "GB", "44769": "GB", "390660": "IT", "390661": "IT", "390662": "IT", "390663": "IT", "390664": "IT", "390665": "IT", "390666": "IT", "390667": "IT", "390668": "IT", "441620": "GB", "441621": "GB", "441622": "GB", "441623": "GB", "441624": "IM", "441625": "GB", "441626": "GB", "441627": "GB", "441628": "GB", "441629": "GB", "447450": "GB", "447451": "GB", "447452": "GB", "447453": "GB", "447454": "GB", "447455": "GB", "447456": "GB", "447458": "GB", "447459": "GB", "447520": "GB", "447521": "GB", "447522": "GB", "447523": "GB", "447524": "IM", "447525": "GB", "447526": "GB", "447527": "GB", "447528": "GB", "447529": "GB", "447620": "GB", "447621": "GB", "447622": "GB", "447623": "GB", "447624": "IM", "447625": "GB", "447626": "GB", "447627": "GB", "447628": "GB", "447629": "GB", "3906690": "IT", "3906691": "IT", "3906692": "IT", "3906693": "IT", "3906694": "IT", "3906695": "IT", "3906696": "IT", "3906697": "IT", "3906698": "VA", "3906699": "IT", "4474570": "GB", "4474571": "GB", "4474572": "GB", "4474573": "GB", "4474574": "GB", "4474575": "GB", "4474576": "IM", "4474577": "GB", "4474578": "GB", "4474579": "GB"}'::jsonb, '{"1": "US", "7": "RU", "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES", "36": "HU", "39": "IT", "40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK", "46": "SE", "47": "NO", "48": "PL", "49": "DE", "51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL", "57": "CO", "58": "VE", "60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH", "77": "KZ", "81": "JP", "82": "KR", "84": "VN", "86": "CN", "90": "TR", "91": "IN", "92": "PK", "93": "AF", "94": "LK", "95": "MM", "98": "IR", "211": "SS", "212": "MA", "213": "DZ", "216": "TN", "218": "LY", "220": "GM", "221": "SN", "222": "MR", "223": "ML", "224": "GN", "225": "CI", "226": "BF", "227": "NE", "228": "TG", "229": "BJ", "230": "MU", "231": "LR", "232": "SL", "233": "GH", "234": "NG", "235": "TD", "236": "CF", "237": "CM", "238": "CV", "239": "ST", "240": "GQ", "241": "GA", "242": "CG", "243": "CD", "244": "AO", "245": "GW", "246": "IO", "247": "AC", "248": "SC", "249": "SD", "250": "RW", "251": "ET", "252": "SO", "253": "DJ", "254": "KE", "255": "TZ", "256": "UG", "257": "BI", "258": "MZ", "260": "ZM", "261": "MG", "262": "RE", "263": "ZW", "264": "NA", "265": "MW", "266": "LS", "267": "BW", "268": "SZ", "269": "KM", "290": "SH", "291": "ER", "297": "AW", "298": "FO", "299": "GL", "350": "GI", "351": "PT", "352": "LU", "353": "IE", "354": "IS", "355": "AL", "356": "MT", "357": "CY", "358": "FI", "359": "BG", "370": "LT", "371": "LV", "372": "EE", "373": "MD", "374": "AM", "375": "BY", "376": "AD", "377": "MC", "378": "SM", "380": "UA", "381": "RS", "382": "ME", "383": "XK", "385": "HR", "386": "SI", "387": "BA", "389": "MK", "420": "CZ", "421": "SK", "423": "LI", "500": "FK", "501": "BZ", "502": "GT", "503": "SV", "504": "HN", "505": "NI", "506": "CR", "507": "PA", "508": "PM", "509": "HT", "590": "GP", "591": "BO", "592": "GY", "593": "EC", "594": "GF", "595": "PY", "596": "MQ", "597": "SR", "598": "UY", "599": "CW", "670": "TL", "672": "NF", "673": "BN", "674": "NR", "675": "PG", "676": "TO", "677": "SB", "678": "VU", "679": "FJ", "680": "PW", "681": "WF", "682": "CK", "683": "NU", "685": "WS", "686": "KI", "687": "NC", "688": "TV", "689": "PF", "690": "TK", "691": "FM", "692": "MH", "850": "KP", "852": "HK", "853": "MO", "855": "KH", "856": "LA", "880": "BD", "886": "TW", "960": "MV", "961": "LB", "962": "JO", "963": "SY", "964": "IQ", "965": "KW", "966": "SA", "967": "YE", "968": "OM", "970": "PS", "971": "AE", "972": "IL", "973": "BH", "974": "QA", "975": "BT", "976": "MN", "977": "NP", "992": "TJ", "993": "TM", "994": "AZ", "995": "GE", "996": "KG", "998": "UZ", "1204": "CA", "1226": "CA", "1236": "CA", "1242": "BS", "1246": "BB", "1249": "CA", "1250": "CA", "1257": "CA", "1263": "CA", "1264": "AI", "1268": "AG", "1273": "CA", "1284": "VG", "1289": "CA", "1306": "CA", "1340": "VI", "1343": "CA", "1345": "KY", "1354": "CA", "1365": "CA", "1367": "CA", "1368": "CA", "1382": "CA", "1403": "CA", "1416": "CA", "1418": "CA", "1428": "CA", "1431": "CA", "1437": "CA", "1438": "CA", "1441": "BM", "1450": "CA", "1468": "CA", "1473": "GD", "1474": "CA", "1506": "CA", "1514": "CA", "1519": "CA", "1548": "CA", "1579": "CA", "1581": "CA", "1584": "CA", "1587": "CA", "1600": "CA", "1604": "CA", "1613": "CA", "1622": "CA", "1633": "CA", "1639": "CA", "1647": "CA", "1649": "TC", "1658": "JM", "1664": "MS", "1670": "MP", "1671": "GU", "1672": "CA", "1683": "CA", "1684": "AS", "1705": "CA", "1709": "CA", "1721": "SX", "1742": "CA", "1753": "CA", "1758": "LC", "1767": "DM", "1778": "CA", "1780": "CA", "1782": "CA", "1784": "VC", "1787": "PR", "1807": "CA", "1809": "DO", "1819": "CA", "1825": "CA", "1829": "DO", "1849": "DO", "1867": "CA", "1868": "TT", "1869": "KN", "1873": "CA", "1876": "JM", "1879": "CA", "1902": "CA", "1905": "CA", "1939": "PR", "1942": "CA", "2908": "TA", "4779": "SJ", "5993": "BQ", "5994": "BQ", "5997": "BQ", "18001": "DO", "35818": "AX", "441624": "IM", "447524": "IM", "447624": "IM", "3906698": "VA", "4474576": "IM"}'::jsonb, recipient)
        $$;

--
-- Name: recompile_recipient_country(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.recompile_recipient_country() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM compile_recipient_country();
    RETURN NULL;
END
$$;

--
-- Name: refresh_message_rollup(interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refresh_message_rollup(p_settle interval DEFAULT '00:00:30'::interval) RETURNS integer
    LANGUAGE plpgsql
    AS $_$
DECLARE
    mark bigint;
    new_mark bigint;
    hours timestamptz[];
    recounted integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('message_rollup_hourly')) THEN
        RETURN -1;
    END IF;
    SELECT watermark INTO mark FROM message_rollup_state FOR UPDATE;
    IF mark IS NULL THEN
        SELECT coalesce(max(id), 0) INTO new_mark FROM receipts
        WHERE received_at < now() - p_settle;
        PERFORM rollup_hours(NULL);
        SELECT count(DISTINCT hour) INTO recounted FROM message_rollup_hourly;
    ELSE
        EXECUTE $q$
            WITH fresh AS (
                SELECT DISTINCT connector, message_id FROM receipts WHERE id > $1
            )
            SELECT array_agg(DISTINCT date_trunc('hour', r.event_at))
            FROM fresh JOIN receipts r USING (connector, message_id)
        $q$ INTO hours USING mark;
        EXECUTE $q$
            SELECT coalesce(max(id), $1) FROM receipts
            WHERE id > $1 AND received_at < now() - $2
        $q$ INTO new_mark USING mark, p_settle;
        IF hours IS NOT NULL THEN
            PERFORM rollup_hours(hours);
        END IF;
        recounted := coalesce(array_length(hours, 1), 0);
    END IF;
    UPDATE message_rollup_state SET watermark = new_mark, refreshed_at = now();
    RETURN recounted;
END
$_$;

--
-- Name: rollup_hours(timestamp with time zone[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rollup_hours(p_hours timestamp with time zone[]) RETURNS void
    LANGUAGE plpgsql
    SET work_mem TO '64MB'
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

--
-- Name: status_advances(text, timestamp with time zone, text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.status_advances(new_status text, new_event_at timestamp with time zone, cur_status text, cur_event_at timestamp with time zone) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT status_rank(new_status) > status_rank(cur_status)
        OR (new_status = cur_status AND new_event_at > cur_event_at)
$$;

--
-- Name: status_rank(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.status_rank(status text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE status
        WHEN 'queued' THEN 1 WHEN 'sent' THEN 2 WHEN 'delivered' THEN 3
        WHEN 'read' THEN 4 WHEN 'failed' THEN 5 ELSE 0 END
$$;

--
-- Name: calling_prefixes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.calling_prefixes (
    prefix text NOT NULL,
    country text NOT NULL
);

--
-- Name: detected_mappings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.detected_mappings (
    connector text NOT NULL,
    version integer NOT NULL,
    mapping text NOT NULL,
    confidences jsonb NOT NULL,
    sample_count integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: forwards; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.forwards (
    id bigint NOT NULL,
    connector text NOT NULL,
    message_id text NOT NULL,
    status text NOT NULL,
    body jsonb NOT NULL,
    state text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    sent_at timestamp with time zone,
    last_http_status integer,
    last_error text,
    lease uuid,
    queued_at timestamp with time zone DEFAULT now() NOT NULL,
    dead_at timestamp with time zone,
    answered_at timestamp with time zone,
    CONSTRAINT forwards_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'done'::text, 'dead'::text])))
);

--
-- Name: forwards_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.forwards ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.forwards_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: message_facts; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.message_facts AS
 SELECT connector,
    message_id,
    status,
    first_event_at,
    final_at,
    error_code,
    sender,
    channel,
    public.recipient_country(recipient) AS recipient_country,
        CASE
            WHEN (final_at IS NOT NULL) THEN public.latency_bucket((EXTRACT(epoch FROM (final_at - first_event_at)))::double precision)
            ELSE NULL::smallint
        END AS latency_bucket,
    reason_category,
    event_at
   FROM public.messages m;

--
-- Name: message_rollup_hourly; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.message_rollup_hourly (
    hour timestamp with time zone NOT NULL,
    dimension text NOT NULL,
    key text NOT NULL,
    status text NOT NULL,
    messages bigint NOT NULL,
    final_messages bigint NOT NULL,
    latency_buckets smallint[] NOT NULL,
    latency_counts bigint[] NOT NULL
);

--
-- Name: message_rollup_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.message_rollup_state (
    singleton boolean DEFAULT true NOT NULL,
    watermark bigint,
    refreshed_at timestamp with time zone,
    CONSTRAINT message_rollup_state_singleton_check CHECK (singleton)
);

--
-- Name: receipts_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.receipts_default (
    id bigint NOT NULL,
    connector text NOT NULL,
    message_id text NOT NULL,
    client_message_id text,
    status text NOT NULL,
    provider_status text NOT NULL,
    provider_detail text,
    final boolean NOT NULL,
    event_at timestamp with time zone NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    recipient text,
    sender text,
    error_code text,
    error_message text,
    provider_error_code text,
    channel text,
    price numeric,
    currency text,
    segments integer,
    batch_id text,
    client_batch_id text,
    mapping text NOT NULL,
    body_id bigint NOT NULL,
    reason_category text,
    permanent boolean,
    CONSTRAINT receipts_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'sent'::text, 'delivered'::text, 'read'::text, 'failed'::text, 'unknown'::text])))
);

--
-- Name: receipts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.receipts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.receipts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: webhook_bodies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_bodies (
    id bigint NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    connector text NOT NULL,
    content_type text,
    body bytea NOT NULL,
    outcome text NOT NULL,
    mapping text,
    receipts integer DEFAULT 0 NOT NULL,
    error_code text,
    error_detail text,
    replayed_as bigint,
    CONSTRAINT webhook_bodies_outcome_check CHECK ((outcome = ANY (ARRAY['receipt'::text, 'ignored'::text, 'quarantined'::text, 'replayed'::text])))
);

--
-- Name: webhook_bodies_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.webhook_bodies ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.webhook_bodies_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: receipts_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.receipts ATTACH PARTITION public.receipts_default DEFAULT;

--
-- Name: calling_prefixes calling_prefixes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.calling_prefixes
    ADD CONSTRAINT calling_prefixes_pkey PRIMARY KEY (prefix);

--
-- Name: detected_mappings detected_mappings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.detected_mappings
    ADD CONSTRAINT detected_mappings_pkey PRIMARY KEY (connector, version);

--
-- Name: forwards forwards_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.forwards
    ADD CONSTRAINT forwards_pkey PRIMARY KEY (id);

--
-- Name: message_rollup_state message_rollup_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.message_rollup_state
    ADD CONSTRAINT message_rollup_state_pkey PRIMARY KEY (singleton);

--
-- Name: messages messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_pkey PRIMARY KEY (message_id, connector);

--
-- Name: receipts receipts_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.receipts
    ADD CONSTRAINT receipts_once UNIQUE NULLS NOT DISTINCT (connector, message_id, provider_status, provider_detail, event_at);

--
-- Name: receipts_default receipts_default_connector_message_id_provider_status_provi_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.receipts_default
    ADD CONSTRAINT receipts_default_connector_message_id_provider_status_provi_key UNIQUE NULLS NOT DISTINCT (connector, message_id, provider_status, provider_detail, event_at);

--
-- Name: receipts receipts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.receipts
    ADD CONSTRAINT receipts_pkey PRIMARY KEY (id, event_at);

--
-- Name: receipts_default receipts_default_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.receipts_default
    ADD CONSTRAINT receipts_default_pkey PRIMARY KEY (id, event_at);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

--
-- Name: webhook_bodies webhook_bodies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_bodies
    ADD CONSTRAINT webhook_bodies_pkey PRIMARY KEY (id);

--
-- Name: forwards_by_answer; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX forwards_by_answer ON public.forwards USING btree (answered_at DESC) WHERE (answered_at IS NOT NULL);

--
-- Name: forwards_dead; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX forwards_dead ON public.forwards USING btree (dead_at) WHERE (state = 'dead'::text);

--
-- Name: forwards_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX forwards_due ON public.forwards USING btree (next_attempt_at) WHERE (state = 'pending'::text);

--
-- Name: message_rollup_by_hour; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX message_rollup_by_hour ON public.message_rollup_hourly USING btree (dimension, hour);

--
-- Name: message_rollup_hours; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX message_rollup_hours ON public.message_rollup_hourly USING btree (hour);

--
-- Name: messages_by_client_message_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX messages_by_client_message_id ON public.messages USING btree (client_message_id) WHERE (client_message_id IS NOT NULL);

--
-- Name: messages_by_first_event; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX messages_by_first_event ON public.messages USING btree (first_event_at);

--
-- Name: messages_by_recipient; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX messages_by_recipient ON public.messages USING btree (recipient, event_at DESC) WHERE (recipient IS NOT NULL);

--
-- Name: messages_open_by_event; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX messages_open_by_event ON public.messages USING btree (event_at) WHERE (final_at IS NULL);

--
-- Name: receipts_newest; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX receipts_newest ON ONLY public.receipts USING btree (event_at DESC, id DESC);

--
-- Name: receipts_default_event_at_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX receipts_default_event_at_id_idx ON public.receipts_default USING btree (event_at DESC, id DESC);

--
-- Name: webhook_bodies_by_connector; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_bodies_by_connector ON public.webhook_bodies USING btree (connector, id);

--
-- Name: webhook_bodies_quarantined; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_bodies_quarantined ON public.webhook_bodies USING btree (received_at) WHERE (outcome = 'quarantined'::text);

--
-- Name: receipts_default_connector_message_id_provider_status_provi_key; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.receipts_once ATTACH PARTITION public.receipts_default_connector_message_id_provider_status_provi_key;

--
-- Name: receipts_default_event_at_id_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.receipts_newest ATTACH PARTITION public.receipts_default_event_at_id_idx;

--
-- Name: receipts_default_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.receipts_pkey ATTACH PARTITION public.receipts_default_pkey;

--
-- Name: calling_prefixes calling_prefixes_changed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER calling_prefixes_changed AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.calling_prefixes FOR EACH STATEMENT EXECUTE FUNCTION public.recompile_recipient_country();

--
-- PostgreSQL database dump complete
--
