-- The latest state of every URL ever probed, down ones first, and since when it has been so.
--   psql -f sql/reports/current_state.sql
WITH latest AS (
    SELECT DISTINCT ON (url) url, name, checked_at, ok, http_status, error_kind, error_message,
                             response_time_ms
    FROM reports
    ORDER BY url, checked_at DESC
)
SELECT l.url,
       l.name,
       CASE WHEN l.ok THEN 'up' ELSE 'down' END AS state,
       -- The first probe after the last one with the opposite result.
       coalesce((SELECT min(r.checked_at)
                 FROM reports r
                 WHERE r.url = l.url
                   AND r.checked_at > coalesce((SELECT max(o.checked_at)
                                                FROM reports o
                                                WHERE o.url = l.url AND o.ok <> l.ok),
                                               '-infinity')),
                l.checked_at)                   AS state_since,
       l.checked_at                             AS last_checked,
       l.http_status,
       l.error_kind,
       l.error_message,
       l.response_time_ms
FROM latest l
ORDER BY l.ok, l.url;
