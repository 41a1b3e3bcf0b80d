-- Reporting: the indexes reports scan by, recipient countries, and an hourly rollup of messages
-- kept current by refresh_message_rollup() (a periodic job and each summary call it), so that
-- nothing is added to ingest_body() beyond the two index entries below.

-- Newest-first keyset pagination of /api/v1/receipts; monotonic keys, so cheap to append to.
CREATE INDEX receipts_newest ON receipts (event_at DESC, id DESC);
-- Summaries count messages by the hour of their first receipt.
CREATE INDEX messages_by_first_event ON messages (first_event_at);

-- Calling-code prefixes to ISO 3166 country, longest prefix wins (so +1204 is CA, +1 is US).
-- Generated once from the phonenumbers package's metadata; the rows are data, kept as made.
CREATE TABLE calling_prefixes (
    prefix   text PRIMARY KEY,
    country  text NOT NULL
);
INSERT INTO calling_prefixes (prefix, country) VALUES
    ('1', 'US'), ('1204', 'CA'), ('1226', 'CA'), ('1236', 'CA'), ('1242', 'BS'), ('1246', 'BB'), ('1249', 'CA'), ('1250', 'CA'),
    ('1257', 'CA'), ('1263', 'CA'), ('1264', 'AI'), ('1268', 'AG'), ('1273', 'CA'), ('1284', 'VG'), ('1289', 'CA'), ('1306', 'CA'),
    ('1340', 'VI'), ('1343', 'CA'), ('1345', 'KY'), ('1354', 'CA'), ('1365', 'CA'), ('1367', 'CA'), ('1368', 'CA'), ('1382', 'CA'),
    ('1403', 'CA'), ('1416', 'CA'), ('1418', 'CA'), ('1428', 'CA'), ('1431', 'CA'), ('1437', 'CA'), ('1438', 'CA'), ('1441', 'BM'),
    ('1450', 'CA'), ('1468', 'CA'), ('1473', 'GD'), ('1474', 'CA'), ('1506', 'CA'), ('1514', 'CA'), ('1519', 'CA'), ('1548', 'CA'),
    ('1579', 'CA'), ('1581', 'CA'), ('1584', 'CA'), ('1587', 'CA'), ('1600', 'CA'), ('1604', 'CA'), ('1613', 'CA'), ('1622', 'CA'),
    ('1633', 'CA'), ('1639', 'CA'), ('1647', 'CA'), ('1649', 'TC'), ('1658', 'JM'), ('1664', 'MS'), ('1670', 'MP'), ('1671', 'GU'),
    ('1672', 'CA'), ('1683', 'CA'), ('1684', 'AS'), ('1705', 'CA'), ('1709', 'CA'), ('1721', 'SX'), ('1742', 'CA'), ('1753', 'CA'),
    ('1758', 'LC'), ('1767', 'DM'), ('1778', 'CA'), ('1780', 'CA'), ('1782', 'CA'), ('1784', 'VC'), ('1787', 'PR'), ('18001', 'DO'),
    ('1807', 'CA'), ('1809', 'DO'), ('1819', 'CA'), ('1825', 'CA'), ('1829', 'DO'), ('1849', 'DO'), ('1867', 'CA'), ('1868', 'TT'),
    ('1869', 'KN'), ('1873', 'CA'), ('1876', 'JM'), ('1879', 'CA'), ('1902', 'CA'), ('1905', 'CA'), ('1939', 'PR'), ('1942', 'CA'),
    ('20', 'EG'), ('211', 'SS'), ('212', 'MA'), ('213', 'DZ'), ('216', 'TN'), ('218', 'LY'), ('220', 'GM'), ('221', 'SN'),
    ('222', 'MR'), ('223', 'ML'), ('224', 'GN'), ('225', 'CI'), ('226', 'BF'), ('227', 'NE'), ('228', 'TG'), ('229', 'BJ'),
    ('230', 'MU'), ('231', 'LR'), ('232', 'SL'), ('233', 'GH'), ('234', 'NG'), ('235', 'TD'), ('236', 'CF'), ('237', 'CM'),
    ('238', 'CV'), ('239', 'ST'), ('240', 'GQ'), ('241', 'GA'), ('242', 'CG'), ('243', 'CD'), ('244', 'AO'), ('245', 'GW'),
    ('246', 'IO'), ('247', 'AC'), ('248', 'SC'), ('249', 'SD'), ('250', 'RW'), ('251', 'ET'), ('252', 'SO'), ('253', 'DJ'),
    ('254', 'KE'), ('255', 'TZ'), ('256', 'UG'), ('257', 'BI'), ('258', 'MZ'), ('260', 'ZM'), ('261', 'MG'), ('262', 'RE'),
    ('263', 'ZW'), ('264', 'NA'), ('265', 'MW'), ('266', 'LS'), ('267', 'BW'), ('268', 'SZ'), ('269', 'KM'), ('27', 'ZA'),
    ('290', 'SH'), ('2908', 'TA'), ('291', 'ER'), ('297', 'AW'), ('298', 'FO'), ('299', 'GL'), ('30', 'GR'), ('31', 'NL'),
    ('32', 'BE'), ('33', 'FR'), ('34', 'ES'), ('350', 'GI'), ('351', 'PT'), ('352', 'LU'), ('353', 'IE'), ('354', 'IS'),
    ('355', 'AL'), ('356', 'MT'), ('357', 'CY'), ('358', 'FI'), ('35818', 'AX'), ('359', 'BG'), ('36', 'HU'), ('370', 'LT'),
    ('371', 'LV'), ('372', 'EE'), ('373', 'MD'), ('374', 'AM'), ('375', 'BY'), ('376', 'AD'), ('377', 'MC'), ('378', 'SM'),
    ('380', 'UA'), ('381', 'RS'), ('382', 'ME'), ('383', 'XK'), ('385', 'HR'), ('386', 'SI'), ('387', 'BA'), ('389', 'MK'),
    ('39', 'IT'), ('3906698', 'VA'), ('40', 'RO'), ('41', 'CH'), ('420', 'CZ'), ('421', 'SK'), ('423', 'LI'), ('43', 'AT'),
    ('44', 'GB'), ('441624', 'IM'), ('4474576', 'IM'), ('447524', 'IM'), ('447624', 'IM'), ('45', 'DK'), ('46', 'SE'), ('47', 'NO'),
    ('4779', 'SJ'), ('48', 'PL'), ('49', 'DE'), ('500', 'FK'), ('501', 'BZ'), ('502', 'GT'), ('503', 'SV'), ('504', 'HN'),
    ('505', 'NI'), ('506', 'CR'), ('507', 'PA'), ('508', 'PM'), ('509', 'HT'), ('51', 'PE'), ('52', 'MX'), ('53', 'CU'),
    ('54', 'AR'), ('55', 'BR'), ('56', 'CL'), ('57', 'CO'), ('58', 'VE'), ('590', 'GP'), ('591', 'BO'), ('592', 'GY'),
    ('593', 'EC'), ('594', 'GF'), ('595', 'PY'), ('596', 'MQ'), ('597', 'SR'), ('598', 'UY'), ('599', 'CW'), ('5993', 'BQ'),
    ('5994', 'BQ'), ('5997', 'BQ'), ('60', 'MY'), ('61', 'AU'), ('62', 'ID'), ('63', 'PH'), ('64', 'NZ'), ('65', 'SG'),
    ('66', 'TH'), ('670', 'TL'), ('672', 'NF'), ('673', 'BN'), ('674', 'NR'), ('675', 'PG'), ('676', 'TO'), ('677', 'SB'),
    ('678', 'VU'), ('679', 'FJ'), ('680', 'PW'), ('681', 'WF'), ('682', 'CK'), ('683', 'NU'), ('685', 'WS'), ('686', 'KI'),
    ('687', 'NC'), ('688', 'TV'), ('689', 'PF'), ('690', 'TK'), ('691', 'FM'), ('692', 'MH'), ('7', 'RU'), ('77', 'KZ'),
    ('81', 'JP'), ('82', 'KR'), ('84', 'VN'), ('850', 'KP'), ('852', 'HK'), ('853', 'MO'), ('855', 'KH'), ('856', 'LA'),
    ('86', 'CN'), ('880', 'BD'), ('886', 'TW'), ('90', 'TR'), ('91', 'IN'), ('92', 'PK'), ('93', 'AF'), ('94', 'LK'),
    ('95', 'MM'), ('960', 'MV'), ('961', 'LB'), ('962', 'JO'), ('963', 'SY'), ('964', 'IQ'), ('965', 'KW'), ('966', 'SA'),
    ('967', 'YE'), ('968', 'OM'), ('970', 'PS'), ('971', 'AE'), ('972', 'IL'), ('973', 'BH'), ('974', 'QA'), ('975', 'BT'),
    ('976', 'MN'), ('977', 'NP'), ('98', 'IR'), ('992', 'TJ'), ('993', 'TM'), ('994', 'AZ'), ('995', 'GE'), ('996', 'KG'),
    ('998', 'UZ');

-- The country of an E.164 number (NULL for anything else); for row-at-a-time filters.
CREATE FUNCTION recipient_country(recipient text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT country FROM calling_prefixes
    WHERE recipient LIKE '+%' AND prefix IN (
        substr(recipient, 2, 1), substr(recipient, 2, 2), substr(recipient, 2, 3),
        substr(recipient, 2, 4), substr(recipient, 2, 5), substr(recipient, 2, 6),
        substr(recipient, 2, 7))
    ORDER BY length(prefix) DESC
    LIMIT 1
$$;

-- Latency histogram buckets: whole seconds up to a minute, then 5% steps (about 300 buckets
-- reach a month). receipts.reports.summary turns a bucket back into its upper bound.
CREATE FUNCTION latency_bucket(seconds double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN seconds <= 60 THEN greatest(ceil(seconds), 0)::smallint
        ELSE least(60 + ceil(ln(seconds / 60) / ln(1.05)), 1000)::smallint
    END
$$;

-- One row per message with what summaries group by; the country joins are hash joins on the
-- small prefix table, one per prefix length, so whole-range scans stay set-based.
CREATE VIEW message_facts AS
SELECT
    m.connector, m.message_id, m.status, m.first_event_at, m.final_at, m.error_code,
    m.sender, m.channel,
    coalesce(p7.country, p6.country, p5.country, p4.country, p3.country, p2.country, p1.country)
        AS recipient_country,
    CASE WHEN m.final_at IS NOT NULL
        THEN latency_bucket(extract(epoch FROM m.final_at - m.first_event_at)::double precision)
    END AS latency_bucket
FROM messages m
LEFT JOIN calling_prefixes p1 ON m.recipient LIKE '+%' AND p1.prefix = substr(m.recipient, 2, 1)
LEFT JOIN calling_prefixes p2 ON m.recipient LIKE '+%' AND p2.prefix = substr(m.recipient, 2, 2)
LEFT JOIN calling_prefixes p3 ON m.recipient LIKE '+%' AND p3.prefix = substr(m.recipient, 2, 3)
LEFT JOIN calling_prefixes p4 ON m.recipient LIKE '+%' AND p4.prefix = substr(m.recipient, 2, 4)
LEFT JOIN calling_prefixes p5 ON m.recipient LIKE '+%' AND p5.prefix = substr(m.recipient, 2, 5)
LEFT JOIN calling_prefixes p6 ON m.recipient LIKE '+%' AND p6.prefix = substr(m.recipient, 2, 6)
LEFT JOIN calling_prefixes p7 ON m.recipient LIKE '+%' AND p7.prefix = substr(m.recipient, 2, 7);

-- Messages per hour of first receipt, by current status, under five groupings: 'all' (key
-- ''), 'error', 'sender', 'country', 'channel' (key the value, '' when absent). Final messages
-- carry their latency histogram as parallel arrays (bucket, count).
CREATE TABLE message_rollup_hourly (
    hour             timestamptz NOT NULL,
    dimension        text NOT NULL,
    key              text NOT NULL,
    status           text NOT NULL,
    messages         bigint NOT NULL,
    final_messages   bigint NOT NULL,
    latency_buckets  smallint[] NOT NULL,
    latency_counts   bigint[] NOT NULL
);
CREATE INDEX message_rollup_by_hour ON message_rollup_hourly (dimension, hour);

-- Where the rollup has got to: receipts with id above `watermark` may not be counted yet.
CREATE TABLE message_rollup_state (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    watermark    bigint,
    refreshed_at timestamptz
);
INSERT INTO message_rollup_state (watermark) VALUES (NULL);

-- Recount the given hours from the messages table.
CREATE FUNCTION rollup_hours(p_hours timestamptz[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM message_rollup_hourly WHERE hour IN (SELECT unnest(p_hours));
    WITH facts AS (
        SELECT date_trunc('hour', first_event_at) AS hour, status, error_code, sender,
               recipient_country, channel, latency_bucket
        FROM message_facts
        WHERE first_event_at >= (SELECT min(h) FROM unnest(p_hours) h)
          AND first_event_at < (SELECT max(h) FROM unnest(p_hours) h) + interval '1 hour'
          AND date_trunc('hour', first_event_at) IN (SELECT unnest(p_hours))
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
$$;

-- Bring the rollup up to date: recount every hour a message touched since the watermark lives
-- in (all of its receipts' hours, since an early receipt arriving late moves the message).
-- The watermark trails by p_settle so that a transaction still open at refresh time, whose
-- receipt ids are below ones already committed, is picked up by the next refresh.
-- Returns the number of hours recounted, or -1 when another refresh holds the lock.
CREATE FUNCTION refresh_message_rollup(p_settle interval DEFAULT interval '30 seconds')
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    mark bigint;
    new_mark bigint;
    hours timestamptz[];
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('message_rollup_hourly')) THEN
        RETURN -1;
    END IF;
    SELECT watermark INTO mark FROM message_rollup_state FOR UPDATE;
    IF mark IS NULL THEN
        SELECT array_agg(DISTINCT date_trunc('hour', first_event_at)) INTO hours FROM messages;
        SELECT coalesce(max(id), 0) INTO new_mark FROM receipts
        WHERE received_at < now() - p_settle;
    ELSE
        WITH fresh AS (
            SELECT DISTINCT connector, message_id FROM receipts WHERE id > mark
        )
        SELECT array_agg(DISTINCT date_trunc('hour', r.event_at)) INTO hours
        FROM fresh JOIN receipts r USING (connector, message_id);
        SELECT coalesce(max(id), mark) INTO new_mark FROM receipts
        WHERE id > mark AND received_at < now() - p_settle;
    END IF;
    IF hours IS NOT NULL THEN
        PERFORM rollup_hours(hours);
    END IF;
    UPDATE message_rollup_state SET watermark = new_mark, refreshed_at = now();
    RETURN coalesce(array_length(hours, 1), 0);
END
$$;
