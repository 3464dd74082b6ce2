-- webmon schema, version 11: how far each Kafka partition is stored, kept in the same transaction as the rows it covers
-- (consumer/stored_offsets.h). A batch is written only if it starts exactly at its partition's
-- next_offset, so a consumer that lost its partition, or a redelivery after a crash, cannot
-- store a message twice; the consumer also starts reading a newly assigned partition here.
-- Kafka's own committed offsets are still committed after each transaction (lag monitoring
-- reads them), but this table decides what is stored.
CREATE TABLE consumer_offsets (
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    next_offset     bigint      NOT NULL CHECK (next_offset >= 0),  -- the first offset not stored
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kafka_topic, kafka_partition)
);

-- An existing database: every message up to the highest offset stored (as a report or as a
-- rejected message) is stored, because the consumer before this one wrote each partition in
-- order and never skipped. One pass over the table, once.
INSERT INTO consumer_offsets (kafka_topic, kafka_partition, next_offset)
SELECT kafka_topic, kafka_partition, max(kafka_offset) + 1
FROM (SELECT kafka_topic, kafka_partition, kafka_offset FROM reports
      UNION ALL
      SELECT kafka_topic, kafka_partition, kafka_offset FROM rejected_reports) AS stored
GROUP BY kafka_topic, kafka_partition;
