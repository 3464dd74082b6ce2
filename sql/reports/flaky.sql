-- URLs probed several times per period (`attempts`), over a window (default: the last 24
-- hours): how many periods needed more than one try but stayed up (degraded: flaky), how many
-- were down (every attempt failed), and the share of failed attempts. Most failures first.
--   psql -f sql/reports/flaky.sql
--   psql -v window='7 days' -f sql/reports/flaky.sql
\if :{?window}
\else
  \set window '24 hours'
\endif
SELECT url,
       count(*)                                                 AS periods,
       count(*) FILTER (WHERE ok AND attempts_failed > 0)       AS flaky_periods,
       count(*) FILTER (WHERE NOT ok)                           AS down_periods,
       sum(jsonb_array_length(attempts))                        AS attempts,
       sum(attempts_failed)                                     AS failed_attempts,
       round(100.0 * sum(attempts_failed) / sum(jsonb_array_length(attempts)), 3)
                                                                AS failed_percent,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY attempt_median_ms)::numeric, 3)
                                                                AS median_attempt_ms
FROM reports
WHERE checked_at >= now() - :'window'::interval
  AND attempts IS NOT NULL
GROUP BY url
ORDER BY failed_percent DESC, url;
