-- webmon schema, version 9: hourly and daily rollups of the reports, so uptime and latency
-- over weeks or years read a few rows per URL instead of every probe.
--
-- The consumer maintains both in the same transaction as the rows they count, from the reports
-- that transaction really inserted (a redelivered report is inserted once, so it is counted
-- once). Rows added to reports by other means are not rolled up.
--
-- Latency columns cover the probes that were up or degraded, as sql/reports/latency.sql does
-- (a failure's time says how long it took to fail, not how fast the service is): min and max
-- are NULL for an hour with no such probe. It is kept as counts per fixed bucket so percentiles can be estimated from any number
-- of rollup rows by summing their buckets (webmon_bucket_sum) and reading the quantile
-- (webmon_latency_quantile). Bucket i counts response times in
-- [webmon_latency_bounds()[i-1], webmon_latency_bounds()[i]) ms, the first from 0, the last
-- (index 21) without upper bound: PostgreSQL's width_bucket(ms, bounds) + 1 is the index.

CREATE FUNCTION webmon_latency_bounds() RETURNS double precision[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN '{2,5,10,20,30,50,75,100,150,200,300,500,750,1000,1500,2000,3000,5000,10000,30000}'::double precision[];

-- Element-wise sum of two bucket arrays of the same length; NULL counts as nothing.
CREATE FUNCTION webmon_add_buckets(a bigint[], b bigint[]) RETURNS bigint[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN a IS NULL THEN b
        WHEN b IS NULL THEN a
        ELSE ARRAY(SELECT x + y FROM unnest(a, b) AS t(x, y))
    END;

-- sum() for bucket arrays: SELECT webmon_bucket_sum(latency_buckets) FROM reports_hourly ...
CREATE AGGREGATE webmon_bucket_sum(bigint[]) (
    SFUNC = webmon_add_buckets,
    STYPE = bigint[],
    PARALLEL = SAFE
);

-- The q-quantile (0 < q <= 1) of the response times counted in `buckets`, in ms, interpolated
-- linearly inside the bucket it falls in (as Prometheus' histogram_quantile does). A quantile
-- in the last, open bucket is its lower bound (30000). NULL when the buckets count nothing.
CREATE FUNCTION webmon_latency_quantile(buckets bigint[], q double precision)
    RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    bounds double precision[] := webmon_latency_bounds();
    total  bigint := 0;
    seen   bigint := 0;
    rank   double precision;
    lower  double precision;
    upper  double precision;
BEGIN
    SELECT sum(c) INTO total FROM unnest(buckets) AS c;
    IF total IS NULL OR total = 0 THEN
        RETURN NULL;
    END IF;
    rank := q * total;
    FOR i IN 1 .. array_length(buckets, 1) LOOP
        IF buckets[i] > 0 AND seen + buckets[i] >= rank THEN
            lower := CASE WHEN i = 1 THEN 0 ELSE bounds[i - 1] END;
            IF i > array_length(bounds, 1) THEN
                RETURN lower;
            END IF;
            upper := bounds[i];
            RETURN lower + (upper - lower) * (rank - seen) / buckets[i];
        END IF;
        seen := seen + buckets[i];
    END LOOP;
    RETURN bounds[array_length(bounds, 1)];
END;
$$;

-- Counts are integers (a URL probed every millisecond makes 86.4 million a day, well inside
-- them) rather than bigints: PostgreSQL sums integers into a bigint, but bigints into a
-- numeric, and the numeric sums made a 30-day report of 10,000 URLs three times slower.
CREATE TABLE reports_hourly (
    url              text             NOT NULL,
    hour             timestamptz      NOT NULL,  -- start of the UTC hour the probes started in
    probes           integer          NOT NULL CHECK (probes > 0),
    up               integer          NOT NULL CHECK (up >= 0),
    degraded         integer          NOT NULL CHECK (degraded >= 0),
    down             integer          NOT NULL CHECK (down >= 0),
    latency_sum_ms   double precision NOT NULL CHECK (latency_sum_ms >= 0),
    latency_min_ms   double precision CHECK (latency_min_ms >= 0),
    latency_max_ms   double precision CHECK (latency_max_ms >= latency_min_ms),
    latency_buckets  bigint[]         NOT NULL CHECK (cardinality(latency_buckets) = 21),
    first_checked_at timestamptz      NOT NULL,
    last_checked_at  timestamptz      NOT NULL,
    PRIMARY KEY (url, hour),
    CONSTRAINT reports_hourly_counts_add_up CHECK (probes = up + degraded + down)
);
-- Covering (hour, and the counts): a window's uptime reads the index alone, not the wide rows
-- with their buckets; it took a 30-day report of 10,000 URLs from about 500 to under 250 ms
-- here. The price: the counts change with every batch, so updates cannot be HOT and each adds
-- an entry to this index too (autovacuum clears the old ones).
CREATE INDEX reports_hourly_hour ON reports_hourly (hour)
    INCLUDE (url, probes, up, degraded, down, first_checked_at, last_checked_at);

CREATE TABLE reports_daily (
    url              text             NOT NULL,
    day              date             NOT NULL,  -- the UTC day the probes started in
    probes           integer          NOT NULL CHECK (probes > 0),
    up               integer          NOT NULL CHECK (up >= 0),
    degraded         integer          NOT NULL CHECK (degraded >= 0),
    down             integer          NOT NULL CHECK (down >= 0),
    latency_sum_ms   double precision NOT NULL CHECK (latency_sum_ms >= 0),
    latency_min_ms   double precision CHECK (latency_min_ms >= 0),
    latency_max_ms   double precision CHECK (latency_max_ms >= latency_min_ms),
    latency_buckets  bigint[]         NOT NULL CHECK (cardinality(latency_buckets) = 21),
    first_checked_at timestamptz      NOT NULL,
    last_checked_at  timestamptz      NOT NULL,
    PRIMARY KEY (url, day),
    CONSTRAINT reports_daily_counts_add_up CHECK (probes = up + degraded + down)
);
CREATE INDEX reports_daily_day ON reports_daily (day)  -- covering, as reports_hourly_hour
    INCLUDE (url, probes, up, degraded, down, first_checked_at, last_checked_at);

-- A bucket array counting `n` response times in bucket `i` (1 to 21) only.
CREATE FUNCTION webmon_one_bucket(i integer, n bigint) RETURNS bigint[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY(SELECT CASE WHEN s = i THEN n ELSE 0 END FROM generate_series(1, 21) AS s
                 ORDER BY s);

-- Computes both rollup tables again from the rows in reports (what the consumer stored, and
-- rows written by other means too). Migration 009 runs it once for the rows stored before it;
-- an operator may run it after changing reports by hand. It locks the rollups against the
-- consumer's writes while it runs (the consumer waits, then adds its batch on top); one pass
-- over reports, as long as a sequential scan of it.
CREATE FUNCTION webmon_rebuild_rollups() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE reports_hourly, reports_daily IN EXCLUSIVE MODE;
    DELETE FROM reports_hourly;
    DELETE FROM reports_daily;
    INSERT INTO reports_hourly
    SELECT url, hour, sum(probes), sum(up), sum(degraded), sum(down), sum(latency_sum_ms),
           min(latency_min_ms), max(latency_max_ms),
           webmon_bucket_sum(webmon_one_bucket(bucket, timed)), min(first_checked_at),
           max(last_checked_at)
    FROM (SELECT url,
                 date_trunc('hour', checked_at, 'UTC')                      AS hour,
                 width_bucket(response_time_ms, webmon_latency_bounds()) + 1 AS bucket,
                 count(*)                                                   AS probes,
                 count(*) FILTER (WHERE status = 'up')                      AS up,
                 count(*) FILTER (WHERE status = 'degraded')                AS degraded,
                 count(*) FILTER (WHERE status = 'down')                    AS down,
                 count(*) FILTER (WHERE ok)                                 AS timed,
                 coalesce(sum(response_time_ms) FILTER (WHERE ok), 0)       AS latency_sum_ms,
                 min(response_time_ms) FILTER (WHERE ok)                    AS latency_min_ms,
                 max(response_time_ms) FILTER (WHERE ok)                    AS latency_max_ms,
                 min(checked_at)                                            AS first_checked_at,
                 max(checked_at)                                            AS last_checked_at
          FROM reports
          GROUP BY 1, 2, 3) AS by_bucket
    GROUP BY url, hour;
    INSERT INTO reports_daily
    SELECT url, (hour AT TIME ZONE 'UTC')::date, sum(probes), sum(up), sum(degraded), sum(down),
           sum(latency_sum_ms), min(latency_min_ms), max(latency_max_ms),
           webmon_bucket_sum(latency_buckets), min(first_checked_at), max(last_checked_at)
    FROM reports_hourly
    GROUP BY 1, 2;
END;
$$;

-- What is already stored, rolled up the same way, so the rollups answer for the whole history
-- from the start.
SELECT webmon_rebuild_rollups();

-- Each URL's probes from `since` (rounded down to its UTC hour) on, from the rollups: hourly
-- rows up to the first UTC midnight after it, daily rows from there (today's included), so a
-- window of any length reads at most 23 hourly and one daily row per URL and day. Reports with
-- checked_at in the future count, as they would for `checked_at >= since`.
CREATE FUNCTION webmon_rollups_since(since timestamptz)
    RETURNS TABLE (url text, probes bigint, up bigint, degraded bigint, down bigint,
                   first_checked_at timestamptz, last_checked_at timestamptz)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    -- The bounds are written out in each WHERE, not taken from a CTE, so the planner sees
    -- them as values and reads only the rows in range through the (hour) and (day) indexes.
    SELECT url, sum(probes), sum(up), sum(degraded), sum(down), min(first_checked_at),
           max(last_checked_at)
    FROM (SELECT h.url, h.probes, h.up, h.degraded, h.down, h.first_checked_at,
                 h.last_checked_at
          FROM reports_hourly h
          WHERE h.hour >= date_trunc('hour', since, 'UTC')
            AND h.hour < date_trunc('day', date_trunc('hour', since, 'UTC') - interval '1 us',
                                    'UTC') + interval '24 hours'
          UNION ALL
          SELECT d.url, d.probes, d.up, d.degraded, d.down, d.first_checked_at,
                 d.last_checked_at
          FROM reports_daily d
          WHERE d.day >= ((date_trunc('day', date_trunc('hour', since, 'UTC') - interval '1 us',
                                      'UTC') + interval '24 hours') AT TIME ZONE 'UTC')::date
         ) AS counted
    GROUP BY url
$$;
