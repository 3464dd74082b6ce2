-- webmon schema, version 2: report schema 2 says whether a probe was up, degraded (up, but
-- slower than its degraded_after_ms) or down, and how long each phase of it took.
-- Rows stored before this migration were up or down, as their ok column says, and have no
-- phase timings.

ALTER TABLE reports
    ADD COLUMN status     text,
    ADD COLUMN dns_ms     double precision CHECK (dns_ms >= 0),
    ADD COLUMN connect_ms double precision CHECK (connect_ms >= 0),
    ADD COLUMN tls_ms     double precision CHECK (tls_ms >= 0),
    ADD COLUMN ttfb_ms    double precision CHECK (ttfb_ms >= 0);

UPDATE reports SET status = CASE WHEN ok THEN 'up' ELSE 'down' END;

ALTER TABLE reports
    ALTER COLUMN status SET NOT NULL,
    ADD CONSTRAINT reports_status_known CHECK (status IN ('up', 'degraded', 'down')),
    ADD CONSTRAINT reports_ok_means_not_down CHECK (ok = (status <> 'down'));
