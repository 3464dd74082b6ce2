-- How many rollup rows disagree with the raw rows they count: (url, hour) and (url, day)
-- groups computed from reports that differ from reports_hourly / reports_daily, or exist on
-- one side only. 0 means every count, sum, extreme, bucket and first/last time matches.
-- Used by tests/integration/rollups_test.cpp and check_exact in tests/support/lib.sh.
WITH raw_hourly AS (
    SELECT url,
           date_trunc('hour', checked_at, 'UTC')                AS at,
           count(*)                                             AS probes,
           count(*) FILTER (WHERE status = 'up')                AS up,
           count(*) FILTER (WHERE status = 'degraded')          AS degraded,
           count(*) FILTER (WHERE status = 'down')              AS down,
           coalesce(sum(response_time_ms) FILTER (WHERE ok), 0) AS sum_ms,
           min(response_time_ms) FILTER (WHERE ok)              AS min_ms,
           max(response_time_ms) FILTER (WHERE ok)              AS max_ms,
           webmon_bucket_sum(webmon_one_bucket(
               width_bucket(response_time_ms, webmon_latency_bounds()) + 1,
               CASE WHEN ok THEN 1 ELSE 0 END))                 AS buckets,
           min(checked_at)                                      AS first_at,
           max(checked_at)                                      AS last_at
    FROM reports
    GROUP BY 1, 2
),
raw_daily AS (
    SELECT url, date_trunc('day', at, 'UTC') AS at, sum(probes) AS probes, sum(up) AS up,
           sum(degraded) AS degraded, sum(down) AS down, sum(sum_ms) AS sum_ms,
           min(min_ms) AS min_ms, max(max_ms) AS max_ms, webmon_bucket_sum(buckets) AS buckets,
           min(first_at) AS first_at, max(last_at) AS last_at
    FROM raw_hourly
    GROUP BY 1, 2
),
-- Sums compared to 3 decimals: the consumer adds in another order than PostgreSQL does.
raw AS (
    SELECT 'hour' AS kind, url, at, probes, up, degraded, down, round(sum_ms::numeric, 3),
           min_ms, max_ms, buckets, first_at, last_at
    FROM raw_hourly
    UNION ALL
    SELECT 'day', url, at, probes, up, degraded, down, round(sum_ms::numeric, 3), min_ms,
           max_ms, buckets, first_at, last_at
    FROM raw_daily
),
rolled AS (
    SELECT 'hour' AS kind, url, hour AS at, probes, up, degraded, down,
           round(latency_sum_ms::numeric, 3), latency_min_ms, latency_max_ms, latency_buckets,
           first_checked_at, last_checked_at
    FROM reports_hourly
    UNION ALL
    SELECT 'day', url, day::timestamp AT TIME ZONE 'UTC', probes, up, degraded, down,
           round(latency_sum_ms::numeric, 3), latency_min_ms, latency_max_ms, latency_buckets,
           first_checked_at, last_checked_at
    FROM reports_daily
)
SELECT (SELECT count(*) FROM (SELECT * FROM raw EXCEPT ALL SELECT * FROM rolled) AS missing)
     + (SELECT count(*) FROM (SELECT * FROM rolled EXCEPT ALL SELECT * FROM raw) AS extra);
