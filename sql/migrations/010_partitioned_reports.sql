-- webmon schema, version 10: reports partitioned by checked_at, one partition per UTC day
-- (reports_YYYYMMDD), so old history goes with a DROP TABLE of its day instead of a DELETE
-- of millions of rows, and a query over a recent window reads only its days.
--
-- The consumer creates each day's partition before it writes a report of that day
-- (webmon_ensure_report_partition), and drops the days older than retention.reports_days
-- every hour (webmon_drop_report_partitions); reports_hourly and reports_daily keep their own,
-- longer, retention.
--
-- An existing table is not copied: it becomes one partition, reports_before_partitioning,
-- holding every day up to the last one it has rows of, and is dropped whole once all of it is
-- older than the retention. The primary key becomes (id, checked_at): PostgreSQL requires the
-- partition key in every unique index of a partitioned table. A redelivered report has the
-- same id and checked_at, so it is still stored once.

ALTER TABLE reports RENAME TO reports_before_partitioning;
ALTER INDEX reports_pkey RENAME TO reports_before_partitioning_pkey;
ALTER INDEX reports_url_checked_at RENAME TO reports_before_partitioning_url_checked_at;
ALTER INDEX reports_checked_at RENAME TO reports_before_partitioning_checked_at;

CREATE TABLE reports (
    LIKE reports_before_partitioning INCLUDING DEFAULTS INCLUDING CONSTRAINTS
) PARTITION BY RANGE (checked_at);
ALTER TABLE reports ADD CONSTRAINT reports_pkey PRIMARY KEY (id, checked_at);
CREATE INDEX reports_url_checked_at ON reports (url, checked_at DESC);
CREATE INDEX reports_checked_at ON reports (checked_at);

-- The end of a partition's range, read from the catalog (NULL for a partition without one).
CREATE FUNCTION webmon_report_partition_end(partition regclass) RETURNS timestamptz
    LANGUAGE sql STABLE AS $$
    SELECT substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz
    FROM pg_class c WHERE c.oid = partition
$$;

-- Creates the partition for the UTC day `day` unless one covers it already. Returns NULL
-- when `day` has a partition now, or why it gets none: a day older than keep_days (> 0) would
-- be dropped at once, and a day more than 7 days ahead is a producer's clock gone wrong (a
-- partition for it would stay for years). The consumer sets such reports aside in
-- rejected_reports with that reason. Several consumers may call it at once: a lock makes them
-- take turns.
CREATE FUNCTION webmon_ensure_report_partition(day date, keep_days integer) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    day_start timestamptz := day::timestamp AT TIME ZONE 'UTC';
    name      text := 'reports_' || to_char(day, 'YYYYMMDD');
BEGIN
    IF keep_days > 0 AND day_start + interval '24 hours' <= now() - make_interval(days => keep_days) THEN
        RETURN format('checked_at is on %s (UTC), older than retention.reports_days (%s): its '
                      'day of reports has been dropped', day, keep_days);
    END IF;
    IF day_start > now() + interval '7 days' THEN
        RETURN format('checked_at is on %s (UTC), more than 7 days ahead of the database''s '
                      'clock: is the producer''s clock right?', day);
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('webmon_report_partitions'));
    IF to_regclass(name) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_inherits i
               WHERE i.inhparent = 'reports'::regclass
                 AND webmon_report_partition_end(i.inhrelid) > day_start
                 AND i.inhrelid = to_regclass('reports_before_partitioning')) THEN
        RETURN NULL;  -- the rows of before the partitioning still hold this day
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF reports FOR VALUES FROM (%L) TO (%L)', name,
                   day_start, day_start + interval '24 hours');
    RETURN NULL;
END;
$$;

-- Deletes rollup rows older than their retention (0: kept for ever); returns how many.
CREATE FUNCTION webmon_trim_rollups(hourly_days integer, daily_days integer) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    hourly bigint := 0;
    daily  bigint := 0;
BEGIN
    IF hourly_days > 0 THEN
        DELETE FROM reports_hourly WHERE hour < now() - make_interval(days => hourly_days);
        GET DIAGNOSTICS hourly = ROW_COUNT;
    END IF;
    IF daily_days > 0 THEN
        DELETE FROM reports_daily
        WHERE day < ((now() - make_interval(days => daily_days)) AT TIME ZONE 'UTC')::date;
        GET DIAGNOSTICS daily = ROW_COUNT;
    END IF;
    RETURN hourly + daily;
END;
$$;

-- Drops every partition whose whole range is older than now() - keep_days; returns their
-- names. The partition of before the partitioning goes once its last day is old enough.
CREATE FUNCTION webmon_drop_report_partitions(keep_days integer) RETURNS SETOF text
    LANGUAGE plpgsql AS $$
DECLARE
    partition regclass;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('webmon_report_partitions'));
    FOR partition IN
        SELECT i.inhrelid::regclass FROM pg_inherits i
        WHERE i.inhparent = 'reports'::regclass
          AND webmon_report_partition_end(i.inhrelid) <= now() - make_interval(days => keep_days)
        ORDER BY 1
    LOOP
        EXECUTE format('DROP TABLE %s', partition);
        RETURN NEXT partition::text;
    END LOOP;
END;
$$;

-- The table of before: a partition up to the end of its last day, or gone if it was empty.
DO $$
DECLARE
    last_day date;
BEGIN
    SELECT max((checked_at AT TIME ZONE 'UTC')::date) INTO last_day FROM reports_before_partitioning;
    IF last_day IS NULL THEN
        DROP TABLE reports_before_partitioning;
    ELSE
        -- A partition's primary key must be the parent's (id, checked_at). Building it reads
        -- the table once; ATTACH reads it once more to check the range. No row is copied.
        ALTER TABLE reports_before_partitioning DROP CONSTRAINT reports_before_partitioning_pkey;
        ALTER TABLE reports_before_partitioning
            ADD CONSTRAINT reports_before_partitioning_pkey PRIMARY KEY (id, checked_at);
        EXECUTE format('ALTER TABLE reports ATTACH PARTITION reports_before_partitioning '
                       'FOR VALUES FROM (MINVALUE) TO (%L)',
                       (last_day + 1)::timestamp AT TIME ZONE 'UTC');
    END IF;
END;
$$;

-- Somewhere for the reports of the next days to go even before the consumer's first batch.
SELECT webmon_ensure_report_partition((now() AT TIME ZONE 'UTC')::date + d, 0)
FROM generate_series(-1, 2) AS d;
