-- webmon schema, version 1: one row per probe report, plus the messages that were not reports.
-- Applied by webmon-consumer at start (or with --migrate), inside one transaction.

CREATE TABLE reports (
    -- The report's own UUID: inserting the same report twice is a no-op (ON CONFLICT DO NOTHING),
    -- which makes Kafka redeliveries harmless.
    id               uuid PRIMARY KEY,
    url              text             NOT NULL,
    name             text             NOT NULL,
    checked_at       timestamptz      NOT NULL,
    ok               boolean          NOT NULL,
    http_status      smallint,
    response_time_ms double precision NOT NULL CHECK (response_time_ms >= 0),
    error_kind       text,
    error_message    text,
    producer_id      text             NOT NULL,
    schema_version   smallint         NOT NULL,
    -- Where the report was read from, to trace a row back to the topic.
    kafka_topic      text             NOT NULL,
    kafka_partition  integer          NOT NULL,
    kafka_offset     bigint           NOT NULL,
    inserted_at      timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT reports_ok_means_no_error CHECK (ok = (error_kind IS NULL))
);

-- Per-URL time windows (uptime, latency, latest state) and global time windows.
CREATE INDEX reports_url_checked_at ON reports (url, checked_at DESC);
CREATE INDEX reports_checked_at ON reports (checked_at);

-- Messages that were not valid reports, kept byte for byte with the reason, so an operator can
-- see and replay them. One row per topic position: a redelivered bad message is stored once.
CREATE TABLE rejected_reports (
    id              bigserial PRIMARY KEY,
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    raw             bytea       NOT NULL,
    reason          text        NOT NULL,
    rejected_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kafka_topic, kafka_partition, kafka_offset)
);
