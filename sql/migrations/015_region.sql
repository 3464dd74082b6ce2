-- webmon schema, version 15: the region the probing producer stands in (producer.region, e.g.
-- 'eu-west'), so one URL probed from several places can be told apart by place as well as by
-- producer_id. NULL for a producer without one and for older rows.

ALTER TABLE reports ADD COLUMN region text;
