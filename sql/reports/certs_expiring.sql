-- HTTPS certificates that expire within a number of days (default 14), as each URL's latest
-- probe saw them, soonest first. Already expired ones are listed too (negative days_left).
--   psql -f sql/reports/certs_expiring.sql
--   psql -v days=30 -f sql/reports/certs_expiring.sql
\if :{?days}
\else
  \set days 14
\endif
SELECT url,
       cert_expires_at,
       floor(extract(epoch FROM cert_expires_at - now()) / 86400)::integer AS days_left,
       checked_at                                                        AS seen_at
FROM (
    SELECT DISTINCT ON (url) url, cert_expires_at, checked_at
    FROM reports
    WHERE cert_expires_at IS NOT NULL
    ORDER BY url, checked_at DESC
) AS latest
WHERE cert_expires_at < now() + make_interval(days => :days)
ORDER BY cert_expires_at, url;
