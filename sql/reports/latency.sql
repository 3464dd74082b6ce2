-- Response-time percentiles per URL over a window (default: the last 24 hours), in
-- milliseconds, over successful probes only: a timeout says "down", not "slow".
--   psql -v window='1 hour' -f sql/reports/latency.sql
\if :{?window}
\else
  \set window '24 hours'
\endif
SELECT url,
       count(*)                                                                         AS probes,
       round(percentile_cont(0.50) WITHIN GROUP (ORDER BY response_time_ms)::numeric, 1) AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms)::numeric, 1) AS p95_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY response_time_ms)::numeric, 1) AS p99_ms,
       round(max(response_time_ms)::numeric, 1)                                         AS max_ms
FROM reports
WHERE ok AND checked_at >= now() - :'window'::interval
GROUP BY url
ORDER BY p95_ms DESC, url;
