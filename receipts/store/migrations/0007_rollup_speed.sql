-- Reports at scale: a recipient country computed per row without joins, a rollup refresh whose
-- cost follows the hours that changed (not the table), and a whole-table build that scans
-- messages once. Figures and semantics are unchanged: summaries from the rollup still equal
-- summaries from the messages, and recipient_country() still returns the longest prefix's
-- country for every input.

-- The prefix table as lookup constants compiled into recipient_country(): `leaves` is
-- prefix-free (prefixes that have longer ones under them are split into their ten children,
-- down to the longest), so the shortest-first lookups stop at the first hit (2 or 3 lookups
-- for most numbers) and at most one key matches; `prefixes` is the table itself, read longest
-- first only for numbers too short to reach a leaf (a bare "+1"). Recompiled by a trigger
-- whenever calling_prefixes changes.
CREATE FUNCTION compile_recipient_country() RETURNS void
LANGUAGE plpgsql AS $compile$
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
$compile$;

-- Inlined into recipient_country(), so the planner folds the two maps once per query.
CREATE FUNCTION country_by_prefix(leaves jsonb, prefixes jsonb, recipient text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
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

SELECT compile_recipient_country();

CREATE FUNCTION recompile_recipient_country() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM compile_recipient_country();
    RETURN NULL;
END
$$;
CREATE TRIGGER calling_prefixes_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calling_prefixes
    FOR EACH STATEMENT EXECUTE FUNCTION recompile_recipient_country();

-- The same columns as before; the country is now an expression, not seven joins.
CREATE OR REPLACE VIEW message_facts AS
SELECT
    m.connector, m.message_id, m.status, m.first_event_at, m.final_at, m.error_code,
    m.sender, m.channel,
    recipient_country(m.recipient) AS recipient_country,
    CASE WHEN m.final_at IS NOT NULL
        THEN latency_bucket(extract(epoch FROM m.final_at - m.first_event_at)::double precision)
    END AS latency_bucket
FROM messages m;

-- Recounting deletes by hour alone.
CREATE INDEX message_rollup_hours ON message_rollup_hourly (hour);

-- Recount the given hours (distinct, whole hours) from the messages table, or every hour when
-- p_hours is NULL. The given hours are read by index, one range per hour; the whole table is
-- read in one scan. Only one of the two branches below runs.
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
               recipient_country, channel, latency_bucket
        FROM message_facts
        WHERE p_hours IS NULL
        UNION ALL
        SELECT h.hour, f.status, f.error_code, f.sender, f.recipient_country, f.channel,
               f.latency_bucket
        FROM unnest(p_hours) AS h (hour)
        JOIN message_facts f
          ON f.first_event_at >= h.hour AND f.first_event_at < h.hour + interval '1 hour'
    ), grouped AS (
        SELECT hour, status, latency_bucket,
               CASE WHEN GROUPING(error_code) = 0 THEN 'error'
                    WHEN GROUPING(sender) = 0 THEN 'sender'
                    WHEN GROUPING(recipient_country) = 0 THEN 'country'
                    WHEN GROUPING(channel) = 0 THEN 'channel'
                    ELSE 'all' END AS dimension,
               coalesce(error_code, sender, recipient_country, channel, '') AS key,
               count(*) AS n
        FROM facts
        GROUP BY GROUPING SETS (
            (hour, status, latency_bucket),
            (hour, status, latency_bucket, error_code),
            (hour, status, latency_bucket, sender),
            (hour, status, latency_bucket, recipient_country),
            (hour, status, latency_bucket, channel))
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

-- Bring the rollup up to date: recount every hour a message touched since the watermark lives
-- in (all of its receipts' hours, since an early receipt arriving late moves the message).
-- The watermark trails by p_settle so that a transaction still open at refresh time, whose
-- receipt ids are below ones already committed, is picked up by the next refresh. The first
-- refresh (no watermark) builds every hour in one scan. Statements are planned with the
-- watermark's value (EXECUTE), so the receipts since it are read by index however many
-- refreshes this session has run. Returns the number of hours recounted, or -1 when another
-- refresh holds the lock.
CREATE OR REPLACE FUNCTION refresh_message_rollup(p_settle interval DEFAULT interval '30 seconds')
RETURNS integer
LANGUAGE plpgsql AS $$
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
$$;
