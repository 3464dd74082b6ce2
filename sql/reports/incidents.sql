-- Incidents in a window (default: the last 30 days): first every incident that overlaps it,
-- with how long it lasted (an open one: so far), then per URL the number of incidents, the
-- downtime inside the window and the MTTR (mean time to recovery, over the closed ones).
--   psql -f sql/reports/incidents.sql
--   psql -v window='7 days' -f sql/reports/incidents.sql
-- An incident lasts from its first failed probe to the probe that closed it (README "Alerts").
\if :{?window}
\else
  \set window '30 days'
\endif
SELECT id,
       url,
       name,
       opened_at,
       closed_at,
       date_trunc('second', coalesce(closed_at, now()) - opened_at) AS duration,
       closed_at IS NULL                                             AS still_open,
       cause_kind,
       cause,
       failed_probes
FROM incidents
WHERE coalesce(closed_at, 'infinity') >= now() - :'window'::interval
ORDER BY opened_at, id;

SELECT url,
       count(*)                                                     AS incidents,
       count(*) FILTER (WHERE closed_at IS NULL)                    AS open,
       date_trunc('second', sum(least(coalesce(closed_at, now()), now())
                                - greatest(opened_at, now() - :'window'::interval)))
                                                                    AS downtime_in_window,
       date_trunc('second', avg(closed_at - opened_at) FILTER (WHERE closed_at IS NOT NULL))
                                                                    AS mttr
FROM incidents
WHERE coalesce(closed_at, 'infinity') >= now() - :'window'::interval
GROUP BY url
ORDER BY downtime_in_window DESC, url;
