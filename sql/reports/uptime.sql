-- Uptime per URL over a window (default: the last 24 hours), from the rollups: fast for any
-- window, a day or a year. The window starts at the beginning of the UTC hour that
-- now() - window falls in (so up to 59 minutes more than asked).
--   psql -f sql/reports/uptime.sql
--   psql -v window='30 days' -f sql/reports/uptime.sql
-- uptime_percent = probes that were up (or degraded: slow, but up) / all probes.
\if :{?window}
\else
  \set window '24 hours'
\endif
SELECT url,
       probes,
       up + degraded                                   AS up,
       down,
       round(100.0 * (up + degraded) / probes, 3)      AS uptime_percent,
       first_checked_at                                AS first_probe,
       last_checked_at                                 AS last_probe
FROM webmon_rollups_since(now() - :'window'::interval)
ORDER BY uptime_percent, url;
