-- webmon schema, version 13: alerts. Each URL's state, its incidents, and an outbox of the
-- notifications they cause, all written in the transaction that stores the reports (so a
-- redelivered batch, which stores nothing, changes none of them), and delivered afterwards
-- by the consumer's dispatcher (consumer/alerts/).

-- The latest judgement of every URL the consumer has heard of, and the run it is in.
CREATE TABLE monitor_state (
    url               text        PRIMARY KEY,
    name              text        NOT NULL,
    state             text        NOT NULL CHECK (state IN ('up', 'degraded', 'down', 'unknown')),
    since             timestamptz NOT NULL,  -- checked_at of the first probe in this state
    last_checked_at   timestamptz NOT NULL,  -- the newest probe applied (older ones are ignored)
    failures_in_row   integer     NOT NULL DEFAULT 0 CHECK (failures_in_row >= 0),
    successes_in_row  integer     NOT NULL DEFAULT 0 CHECK (successes_in_row >= 0),
    -- The first failure of the current run of failures: an incident's cause.
    run_started_at    timestamptz,
    run_error_kind    text,
    run_error         text,
    open_incident_id  bigint,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE incidents (
    id                bigserial   PRIMARY KEY,
    url               text        NOT NULL,
    name              text        NOT NULL,
    opened_at         timestamptz NOT NULL,  -- checked_at of the first failed probe
    closed_at         timestamptz,           -- checked_at of the probe that closed it
    cause_kind        text        NOT NULL,  -- error kind of the first failed probe
    cause             text        NOT NULL DEFAULT '',  -- its message
    failed_probes     integer     NOT NULL CHECK (failed_probes > 0),
    reminders         integer     NOT NULL DEFAULT 0,   -- reminder notifications queued
    last_notified_at  timestamptz NOT NULL DEFAULT now(),  -- when the last firing or reminder was queued
    CHECK (closed_at IS NULL OR closed_at >= opened_at)
);
-- One open incident per URL at most: a second would be a bug, and PostgreSQL refuses it.
CREATE UNIQUE INDEX incidents_open_per_url ON incidents (url) WHERE closed_at IS NULL;
CREATE INDEX incidents_url_opened ON incidents (url, opened_at);

ALTER TABLE monitor_state
    ADD FOREIGN KEY (open_incident_id) REFERENCES incidents (id);

-- The outbox: one row per notification and receiver, delivered at least once, marked once.
CREATE TABLE notifications (
    id               bigserial   PRIMARY KEY,
    event_id         uuid        NOT NULL UNIQUE DEFAULT gen_random_uuid(),  -- the Idempotency-Key
    incident_id      bigint      NOT NULL REFERENCES incidents (id),
    receiver         text        NOT NULL,  -- alerts.receivers[].name
    kind             text        NOT NULL CHECK (kind IN ('firing', 'resolved', 'reminder')),
    event            jsonb       NOT NULL,  -- the facts the payload is made of
    created_at       timestamptz NOT NULL DEFAULT now(),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    attempts         integer     NOT NULL DEFAULT 0,
    delivered_at     timestamptz,
    last_error       text
);
CREATE INDEX notifications_pending ON notifications (next_attempt_at, id) WHERE delivered_at IS NULL;
CREATE INDEX notifications_incident ON notifications (incident_id);

-- How each receiver is doing, as the dispatcher last found it.
CREATE TABLE notification_receivers (
    receiver              text        PRIMARY KEY,
    state                 text        NOT NULL CHECK (state IN ('ok', 'failing')),
    consecutive_failures  integer     NOT NULL DEFAULT 0,
    last_error            text,
    last_failure_at       timestamptz,
    last_success_at       timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now()
);
