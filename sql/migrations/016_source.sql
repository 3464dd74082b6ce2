-- webmon schema, version 16: where the producer found the URL it probed: 'config' (the
-- config's monitored_urls) or 'file:NAME' (a file in targets_dir). NULL for older rows.

ALTER TABLE reports ADD COLUMN source text;
