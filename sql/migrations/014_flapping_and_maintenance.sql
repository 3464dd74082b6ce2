-- webmon schema, version 14: flapping and maintenance windows hold notifications back. What
-- receivers were told about each incident is recorded, so when a hold ends the consumer tells
-- them only what changed meanwhile (consumer/alerts/incident_tracker.cpp, README "Alerts").

-- Incidents before this version were told as they happened; an open one has had its firing.
ALTER TABLE incidents
    ADD COLUMN firing_sent   boolean NOT NULL DEFAULT true,
    ADD COLUMN resolved_sent boolean NOT NULL DEFAULT false;
UPDATE incidents SET resolved_sent = true WHERE closed_at IS NOT NULL;
ALTER TABLE incidents ALTER COLUMN firing_sent SET DEFAULT false;

ALTER TABLE monitor_state
    -- The opens and closes of the flapping window, newest last (at most transitions + 1).
    ADD COLUMN recent_transitions timestamptz[] NOT NULL DEFAULT '{}',
    ADD COLUMN flapping_since     timestamptz,
    -- Why notifications for this URL are held now: a maintenance window, or flapping.
    ADD COLUMN notifications_held text CHECK (notifications_held IN ('maintenance', 'flapping'));

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('firing', 'resolved', 'reminder', 'flapping'));
