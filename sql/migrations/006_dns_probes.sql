-- webmon schema, version 6: dns probes. The record type asked for and the answers as text
-- ("10 mail.example.com" for MX); an empty array when the name had no such record. NULL for
-- other probe types and for older rows.

ALTER TABLE reports DROP CONSTRAINT reports_probe_type_known;
ALTER TABLE reports
    ADD CONSTRAINT reports_probe_type_known CHECK (probe_type IN ('http', 'tcp', 'tls', 'dns')),
    ADD COLUMN dns_record  text,
    ADD COLUMN dns_answers text[];
