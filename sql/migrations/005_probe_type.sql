-- webmon schema, version 5: the kind of probe behind each row: an HTTP request, a TCP connect
-- or a TLS handshake. Older rows were all HTTP.

ALTER TABLE reports
    ADD COLUMN probe_type text NOT NULL DEFAULT 'http'
        CONSTRAINT reports_probe_type_known CHECK (probe_type IN ('http', 'tcp', 'tls'));
