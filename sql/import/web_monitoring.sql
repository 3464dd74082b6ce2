-- Moves the history of web-monitor (the monitor webmon succeeds: its table web_monitoring, as
-- its install/init_monitoring_db.sql creates it) into webmon's reports, with the rollups of the
-- moved rows added, so uptime questions cover both. Run it in the database that holds
-- web_monitoring, after webmon's consumer has migrated it (or `webmon-consumer --migrate`):
--
--   psql -v ON_ERROR_STOP=1 -v keep_days=30 -f sql/import/web_monitoring.sql
--
-- keep_days is the consumer's retention.reports_days (default 30; 0 keeps every day): rows of
-- older days are not copied into reports (the consumer would drop their day at once), but they
-- are still added to the rollups, which are kept longer. One transaction: all or nothing. Safe
-- to run again: the table webmon_moved_from_web_monitoring remembers the rows moved, so none is
-- stored or rolled up twice (and new ones, from a web-monitor still running, move on the next
-- run). Rows without url, event_date or is_fine are not moved (not_moved). web_monitoring
-- itself is left as it was.
--
-- How the rows map: event_date (UTC, as web-monitor wrote it) is checked_at; is_fine is ok and
-- the status up or down; response_code is http_status; response_time (seconds) is
-- response_time_ms; transport conn_timeout is error kind timeout, conn_error is connect, a 200
-- whose regexp was not found is regexp, any other failure http; producer_id is 'web-monitor';
-- kafka_topic 'web_monitoring', kafka_partition 0 and kafka_offset the old id say where each
-- row came from.
\set ON_ERROR_STOP on
\if :{?keep_days}
\else
\set keep_days 30
\endif

BEGIN;
SET LOCAL client_min_messages = warning;  -- not the NOTICE of a second run's CREATE IF NOT EXISTS

CREATE TEMPORARY TABLE web_monitor_rows ON COMMIT DROP AS
SELECT md5('web_monitoring/' || w.id)::uuid               AS id,
       w.id                                               AS old_id,
       w.url,
       w.event_date AT TIME ZONE 'UTC'                    AS checked_at,
       w.is_fine                                          AS ok,
       w.response_code                                    AS http_status,
       greatest(coalesce(w.response_time, 0), 0) * 1000.0 AS response_time_ms,
       CASE WHEN w.is_fine THEN NULL
            WHEN w.transport = 'conn_timeout' THEN 'timeout'
            WHEN w.transport = 'conn_error' THEN 'connect'
            WHEN w.response_code = 200 AND w.regexp_found IS FALSE THEN 'regexp'
            ELSE 'http' END                               AS error_kind,
       CASE WHEN w.is_fine THEN NULL
            WHEN w.transport = 'conn_timeout' THEN 'timed out (web-monitor)'
            WHEN w.transport = 'conn_error' THEN 'connection failed (web-monitor)'
            WHEN w.response_code = 200 AND w.regexp_found IS FALSE
                THEN 'regexp ' || coalesce(w.regexp, '') || ' not found (web-monitor)'
            ELSE 'HTTP status ' || coalesce(w.response_code::text, 'unknown') || ' (web-monitor)'
       END                                                AS error_message,
       w.regexp,
       w.regexp_found
FROM web_monitoring AS w
WHERE w.url IS NOT NULL AND w.url <> '' AND w.event_date IS NOT NULL AND w.is_fine IS NOT NULL;

-- The UTC days the rows fall on, each with its partition (migration 010), or the reason it
-- gets none (older than keep_days, or ahead of the clock).
CREATE TEMPORARY TABLE web_monitor_days ON COMMIT DROP AS
SELECT day, webmon_ensure_report_partition(day, :keep_days) AS no_partition
FROM (SELECT DISTINCT (checked_at AT TIME ZONE 'UTC')::date AS day FROM web_monitor_rows) AS days;

-- Which web_monitoring rows have been moved, kept across runs (the rows of days older than
-- keep_days are only in the rollups, so reports alone cannot tell): a second run skips them.
CREATE TABLE IF NOT EXISTS webmon_moved_from_web_monitoring (
    web_monitoring_id bigint      PRIMARY KEY,
    moved_at          timestamptz NOT NULL DEFAULT now()
);
DELETE FROM web_monitor_rows AS r
USING webmon_moved_from_web_monitoring AS m
WHERE m.web_monitoring_id = r.old_id;
INSERT INTO webmon_moved_from_web_monitoring (web_monitoring_id)
SELECT old_id FROM web_monitor_rows;

INSERT INTO reports (id, url, name, checked_at, ok, status, http_status, response_time_ms,
                     error_kind, error_message, regexp, regexp_found, producer_id,
                     schema_version, probe_type, kafka_topic, kafka_partition, kafka_offset)
SELECT r.id, r.url, r.url, r.checked_at, r.ok, CASE WHEN r.ok THEN 'up' ELSE 'down' END,
       r.http_status, r.response_time_ms, r.error_kind, r.error_message, r.regexp,
       r.regexp_found, 'web-monitor', 1, 'http', 'web_monitoring', 0, r.old_id
FROM web_monitor_rows AS r
JOIN web_monitor_days AS d
  ON d.day = (r.checked_at AT TIME ZONE 'UTC')::date AND d.no_partition IS NULL;

-- The rollups of every row moved, stored in reports or not, added to what is there (as the
-- consumer adds a batch's: counts and sums add up, minima and maxima widen).
INSERT INTO reports_hourly AS t
SELECT url, hour, sum(probes), sum(up), 0, sum(down), sum(latency_sum_ms), min(latency_min_ms),
       max(latency_max_ms), webmon_bucket_sum(webmon_one_bucket(bucket, timed)),
       min(first_checked_at), max(last_checked_at)
FROM (SELECT url,
             date_trunc('hour', checked_at, 'UTC')                      AS hour,
             width_bucket(response_time_ms, webmon_latency_bounds()) + 1 AS bucket,
             count(*)                                                   AS probes,
             count(*) FILTER (WHERE ok)                                 AS up,
             count(*) FILTER (WHERE NOT ok)                             AS down,
             count(*) FILTER (WHERE ok)                                 AS timed,
             coalesce(sum(response_time_ms) FILTER (WHERE ok), 0)       AS latency_sum_ms,
             min(response_time_ms) FILTER (WHERE ok)                    AS latency_min_ms,
             max(response_time_ms) FILTER (WHERE ok)                    AS latency_max_ms,
             min(checked_at)                                            AS first_checked_at,
             max(checked_at)                                            AS last_checked_at
      FROM web_monitor_rows
      GROUP BY 1, 2, 3) AS by_bucket
GROUP BY url, hour
ON CONFLICT (url, hour) DO UPDATE SET
    probes = t.probes + EXCLUDED.probes, up = t.up + EXCLUDED.up, down = t.down + EXCLUDED.down,
    latency_sum_ms = t.latency_sum_ms + EXCLUDED.latency_sum_ms,
    latency_min_ms = least(t.latency_min_ms, EXCLUDED.latency_min_ms),
    latency_max_ms = greatest(t.latency_max_ms, EXCLUDED.latency_max_ms),
    latency_buckets = webmon_add_buckets(t.latency_buckets, EXCLUDED.latency_buckets),
    first_checked_at = least(t.first_checked_at, EXCLUDED.first_checked_at),
    last_checked_at = greatest(t.last_checked_at, EXCLUDED.last_checked_at);

INSERT INTO reports_daily AS t
SELECT url, (checked_at AT TIME ZONE 'UTC')::date, count(*), count(*) FILTER (WHERE ok), 0,
       count(*) FILTER (WHERE NOT ok),
       coalesce(sum(response_time_ms) FILTER (WHERE ok), 0),
       min(response_time_ms) FILTER (WHERE ok), max(response_time_ms) FILTER (WHERE ok),
       webmon_bucket_sum(webmon_one_bucket(width_bucket(response_time_ms, webmon_latency_bounds()) + 1,
                                           CASE WHEN ok THEN 1 ELSE 0 END)),
       min(checked_at), max(checked_at)
FROM web_monitor_rows
GROUP BY 1, 2
ON CONFLICT (url, day) DO UPDATE SET
    probes = t.probes + EXCLUDED.probes, up = t.up + EXCLUDED.up, down = t.down + EXCLUDED.down,
    latency_sum_ms = t.latency_sum_ms + EXCLUDED.latency_sum_ms,
    latency_min_ms = least(t.latency_min_ms, EXCLUDED.latency_min_ms),
    latency_max_ms = greatest(t.latency_max_ms, EXCLUDED.latency_max_ms),
    latency_buckets = webmon_add_buckets(t.latency_buckets, EXCLUDED.latency_buckets),
    first_checked_at = least(t.first_checked_at, EXCLUDED.first_checked_at),
    last_checked_at = greatest(t.last_checked_at, EXCLUDED.last_checked_at);

\pset footer off
SELECT (SELECT count(*) FROM web_monitor_rows)                              AS moved_now,
       (SELECT count(*) FROM web_monitor_rows AS r JOIN web_monitor_days AS d
          ON d.day = (r.checked_at AT TIME ZONE 'UTC')::date
        WHERE d.no_partition IS NOT NULL)                                   AS rolled_up_only,
       (SELECT count(*) FROM webmon_moved_from_web_monitoring)
         - (SELECT count(*) FROM web_monitor_rows)                          AS moved_before,
       (SELECT count(*) FROM web_monitoring)
         - (SELECT count(*) FROM webmon_moved_from_web_monitoring)          AS not_moved;

COMMIT;
