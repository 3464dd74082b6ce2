-- Up, degraded and down per URL over a window (default: the last 24 hours).
--   psql -f sql/reports/uptime_by_status.sql
--   psql -v window='7 days' -f sql/reports/uptime_by_status.sql
-- degraded = the probe succeeded but took longer than the URL's degraded_after_ms. Rows from
-- before report schema 2 are up or down only. Worst first.
\if :{?window}
\else
  \set window '24 hours'
\endif
SELECT url,
       count(*)                                                              AS probes,
       count(*) FILTER (WHERE status = 'up')                                 AS up,
       count(*) FILTER (WHERE status = 'degraded')                           AS degraded,
       count(*) FILTER (WHERE status = 'down')                               AS down,
       round(100.0 * count(*) FILTER (WHERE status = 'up') / count(*), 3)       AS up_percent,
       round(100.0 * count(*) FILTER (WHERE status = 'degraded') / count(*), 3) AS degraded_percent,
       round(100.0 * count(*) FILTER (WHERE status = 'down') / count(*), 3)     AS down_percent
FROM reports
WHERE checked_at >= now() - :'window'::interval
GROUP BY url
ORDER BY down_percent DESC, degraded_percent DESC, url;
