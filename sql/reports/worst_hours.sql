-- The hours with the most downtime over a window (default: the last 7 days), from
-- reports_hourly: which URL, which UTC hour, how many probes were down or degraded. At most
-- `top` rows (default 20), worst first.
--   psql -v window='30 days' -v top=50 -f sql/reports/worst_hours.sql
\if :{?window}
\else
  \set window '7 days'
\endif
\if :{?top}
\else
  \set top 20
\endif
SELECT url,
       hour,
       probes,
       down,
       degraded,
       round(100.0 * (up + degraded) / probes, 3)                          AS uptime_percent,
       round(webmon_latency_quantile(latency_buckets, 0.95)::numeric, 1)   AS p95_ms
FROM reports_hourly
WHERE hour >= date_trunc('hour', now() - :'window'::interval, 'UTC') AND down + degraded > 0
ORDER BY down DESC, degraded DESC, hour DESC, url
LIMIT :top;
