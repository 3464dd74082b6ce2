-- webmon schema, version 4: for https targets, when the server's certificate expires and how
-- many whole days that was after the probe (negative once expired). NULL for http, for probes
-- that never completed a TLS handshake, and for older rows.

ALTER TABLE reports
    ADD COLUMN cert_expires_at timestamptz,
    ADD COLUMN cert_days_left  integer;
