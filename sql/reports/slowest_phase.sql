-- Where each URL's probes spend their time over a window (default: the last 24 hours): the
-- average of each phase in milliseconds, and the slowest of them. Slowest first.
--   psql -f sql/reports/slowest_phase.sql
--   psql -v window='1 hour' -f sql/reports/slowest_phase.sql
-- Phases: dns (name lookup), connect (TCP), tls (handshake; https only), wait (request sent to
-- first response byte: the server thinking) and transfer (first byte to the end). Probes that
-- failed count for the phases they reached. Rows from before report schema 2 have no timings.
\if :{?window}
\else
  \set window '24 hours'
\endif
WITH phases AS (
    SELECT url,
           count(*)                                         AS probes,
           avg(dns_ms)                                      AS dns,
           avg(connect_ms)                                  AS connect,
           avg(tls_ms)                                      AS tls,
           avg(ttfb_ms - coalesce(dns_ms, 0) - coalesce(connect_ms, 0) - coalesce(tls_ms, 0))
                                                            AS wait,
           avg(response_time_ms - ttfb_ms)                  AS transfer
    FROM reports
    WHERE checked_at >= now() - :'window'::interval
      AND dns_ms IS NOT NULL
    GROUP BY url
)
SELECT url,
       probes,
       slowest.phase                        AS slowest_phase,
       round(slowest.ms::numeric, 3)        AS slowest_avg_ms,
       round(dns::numeric, 3)               AS dns_ms,
       round(connect::numeric, 3)           AS connect_ms,
       round(tls::numeric, 3)               AS tls_ms,
       round(wait::numeric, 3)              AS wait_ms,
       round(transfer::numeric, 3)          AS transfer_ms
FROM phases
CROSS JOIN LATERAL (
    SELECT phase, ms
    FROM (VALUES ('dns', dns), ('connect', connect), ('tls', tls), ('wait', wait),
                 ('transfer', transfer)) AS p (phase, ms)
    WHERE ms IS NOT NULL
    ORDER BY ms DESC
    LIMIT 1
) AS slowest
ORDER BY slowest.ms DESC, url;
