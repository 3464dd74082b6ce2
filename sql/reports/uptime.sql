-- Uptime per URL over a window (default: the last 24 hours).
--   psql -f sql/reports/uptime.sql
--   psql -v window='7 days' -f sql/reports/uptime.sql
-- uptime_percent = successful probes / all probes in the window.
\if :{?window}
\else
  \set window '24 hours'
\endif
SELECT url,
       count(*)                                                   AS probes,
       count(*) FILTER (WHERE ok)                                 AS up,
       count(*) FILTER (WHERE NOT ok)                             AS down,
       round(100.0 * count(*) FILTER (WHERE ok) / count(*), 3)    AS uptime_percent,
       min(checked_at)                                            AS first_probe,
       max(checked_at)                                            AS last_probe
FROM reports
WHERE checked_at >= now() - :'window'::interval
GROUP BY url
ORDER BY uptime_percent, url;
