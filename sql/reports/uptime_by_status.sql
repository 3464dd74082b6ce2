-- Up, degraded (up, but slower than degraded_after_ms) and down per URL over a window
-- (default: the last 24 hours), from the rollups; the window starts at the beginning of the
-- UTC hour that now() - window falls in.
--   psql -v window='7 days' -f sql/reports/uptime_by_status.sql
\if :{?window}
\else
  \set window '24 hours'
\endif
SELECT url,
       probes,
       up,
       degraded,
       down,
       round(100.0 * up / probes, 3)       AS up_percent,
       round(100.0 * degraded / probes, 3) AS degraded_percent,
       round(100.0 * down / probes, 3)     AS down_percent
FROM webmon_rollups_since(now() - :'window'::interval)
ORDER BY down_percent DESC, degraded_percent DESC, url;
