-- Latency per URL per UTC day over the last `days` days (default 30, today included), from
-- reports_daily: p50, p95 and p99 estimated from the latency buckets (linear inside a
-- bucket, so within that bucket's bounds; see webmon_latency_bounds()), exact mean and max.
-- Probes that were up or degraded only, as latency.sql (which reads raw rows, exactly, for
-- recent windows).
--   psql -v days=7 -f sql/reports/latency_daily.sql
\if :{?days}
\else
  \set days 30
\endif
SELECT url,
       day,
       probes - down                                                             AS timed_probes,
       round(webmon_latency_quantile(latency_buckets, 0.50)::numeric, 1)         AS p50_ms,
       round(webmon_latency_quantile(latency_buckets, 0.95)::numeric, 1)         AS p95_ms,
       round(webmon_latency_quantile(latency_buckets, 0.99)::numeric, 1)         AS p99_ms,
       round((latency_sum_ms / nullif(probes - down, 0))::numeric, 1)            AS mean_ms,
       round(latency_max_ms::numeric, 1)                                         AS max_ms
FROM reports_daily
WHERE day > (now() AT TIME ZONE 'UTC')::date - :'days'::integer
ORDER BY url, day;
