-- webmon schema, version 3: the body check of URLs with a `regexp`: the pattern, whether it
-- was found (NULL when the probe failed before a body could be checked) and whether the body
-- was longer than the part read. NULL for URLs without a regexp and for older rows.

ALTER TABLE reports
    ADD COLUMN regexp         text,
    ADD COLUMN regexp_found   boolean,
    ADD COLUMN body_truncated boolean;
