-- webmon schema, version 7: URLs probed several times per period (`attempts`). One row covers
-- the period: each attempt as {at, ms, ok, error?} in order, how many failed, and the fastest,
-- median and slowest attempt in milliseconds. NULL for single-attempt URLs and older rows.

ALTER TABLE reports
    ADD COLUMN attempts          jsonb,
    ADD COLUMN attempts_failed   integer,
    ADD COLUMN attempt_min_ms    double precision,
    ADD COLUMN attempt_median_ms double precision,
    ADD COLUMN attempt_max_ms    double precision;
