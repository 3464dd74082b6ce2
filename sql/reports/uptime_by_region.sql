-- Uptime per URL and region (producer.region) over a window (default: the last 24 hours):
-- where a site is down for some of its users but not for others. From the raw rows, as the
-- rollups do not keep regions apart, so it suits windows of days rather than months.
--   psql -f sql/reports/uptime_by_region.sql
--   psql -v window='7 days' -f sql/reports/uptime_by_region.sql
-- Rows of a producer without a region are shown as region "(none)". uptime_percent counts
-- degraded probes as up (slow, but up), as uptime.sql does; spread_points is how far this
-- region's uptime is below the best region's for the same URL.
\if :{?window}
\else
  \set window '24 hours'
\endif
WITH by_region AS (
    SELECT url,
           coalesce(region, '(none)')                                  AS region,
           count(*)                                                    AS probes,
           count(*) FILTER (WHERE status <> 'down')                    AS up,
           count(*) FILTER (WHERE status = 'down')                     AS down,
           round(100.0 * count(*) FILTER (WHERE status <> 'down') / count(*), 3) AS uptime_percent
    FROM reports
    WHERE checked_at >= now() - :'window'::interval
    GROUP BY url, coalesce(region, '(none)')
)
SELECT url, region, probes, up, down, uptime_percent,
       max(uptime_percent) OVER (PARTITION BY url) - uptime_percent AS spread_points
FROM by_region
ORDER BY url, uptime_percent, region;
