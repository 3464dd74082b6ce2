-- webmon schema, version 8: whether the producer had the probed host's addresses in its DNS
-- cache (true: within the answer's TTL, dns_ms is next to nothing) or looked the name up for
-- this probe (false). NULL for an address in the URL, for dns probes and for older rows.

ALTER TABLE reports ADD COLUMN dns_cached boolean;
