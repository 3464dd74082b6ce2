// reports_hourly and reports_daily against a real (throwaway) PostgreSQL: after batches with
// redeliveries, refused reports and retries, every rollup row equals what the raw rows say
// (tests/support/rollups_vs_raw.sql); the buckets and the quantile estimate do what the schema
// says; and the migration rolls up what was stored before it.

#include "consumer/rollups.h"

#include <gtest/gtest.h>

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <random>

#include "consumer/migrations.h"
#include "consumer/report_writer.h"
#include "tests/support/rollups_check.h"
#include "tests/support/writer_fixture.h"

namespace webmon::consumer {
namespace {

using testing::count;
using testing::rollupsVsRawSql;

// Reports over three UTC days (crossing midnight), seven URLs, every status, latencies in
// quarter milliseconds (exact in binary, so sums compare exactly) across all buckets.
std::vector<ReportRecord> history(std::size_t n, std::uint32_t seed) {
  std::mt19937 random(seed);
  const auto start = *common::parseRfc3339("2026-11-28T22:10:00.000Z");
  std::vector<ReportRecord> out;
  for (std::size_t i = 0; i < n; ++i) {
    ReportRecord r;
    r.report.id = common::newReportId();
    r.report.url = "http://127.0.0.1/" + std::to_string(random() % 7);
    r.report.name = "n";
    r.report.checked_at = start + std::chrono::milliseconds(random() % (3ull * 86'400'000));
    const auto kind = random() % 10;
    r.report.ok = kind < 8;
    r.report.degraded = kind == 7;
    if (!r.report.ok) r.report.error = common::ProbeError{common::ErrorKind::Timeout, "timed out"};
    r.report.http_status = r.report.ok ? std::optional<int>(200) : std::nullopt;
    r.report.response_time_ms = static_cast<double>(random() % 200'000) / 4.0;
    r.report.producer_id = "p1";
    r.position = {"reports", 0, static_cast<std::int64_t>(i)};
    out.push_back(std::move(r));
  }
  return out;
}

DecodedBatch batchOf(const std::vector<ReportRecord>& records, std::size_t from, std::size_t n) {
  DecodedBatch batch;
  for (std::size_t i = from; i < std::min(records.size(), from + n); ++i) {
    batch.reports.push_back(records[i]);
  }
  return batch;
}

class RollupsTest : public testing::WriterFixture {
 protected:
  long long mismatches() { return count(*check_, rollupsVsRawSql()); }
  void exec(const std::string& sql) {
    pqxx::nontransaction tx(*check_);
    tx.exec(sql);
  }
};

TEST_F(RollupsTest, EveryRollupRowEqualsTheRawRowsAfterRedeliveriesAndRefusedReports) {
  const auto records = history(3000, 7);
  // A constraint the decoder does not know: these reports are refused and set aside, and must
  // not be counted.
  exec(
      "ALTER TABLE reports ADD CONSTRAINT test_no_slow_degraded "
      "CHECK (NOT (status = 'degraded' AND response_time_ms > 40000))");
  std::size_t inserted = 0, refused = 0;
  for (std::size_t from = 0; from < records.size(); from += 250) {
    const auto result = writer_->write(batchOf(records, from, 250));
    inserted += result.inserted;
    refused += result.refused.size();
    // Every third batch comes again, as after a crash between COMMIT and the offset commit.
    if ((from / 250) % 3 == 0) {
      const auto again = writer_->write(batchOf(records, from, 250));
      EXPECT_EQ(again.inserted, 0u);
    }
  }
  ASSERT_GT(refused, 0u);
  EXPECT_EQ(inserted + refused, records.size());
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), static_cast<long long>(inserted));
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_hourly"),
            static_cast<long long>(inserted));
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_daily"),
            static_cast<long long>(inserted));
  EXPECT_GE(count(*check_, "SELECT count(*) FROM reports_daily"), 7 * 3);
  EXPECT_EQ(mismatches(), 0);
}

TEST_F(RollupsTest, TheComparisonNoticesARollupThatIsOff) {
  // The check above means something only if a wrong rollup shows up in it.
  writer_->write(batchOf(history(200, 11), 0, 200));
  ASSERT_EQ(mismatches(), 0);
  exec(
      "UPDATE reports_hourly SET latency_buckets[3] = latency_buckets[3] + 1 "
      "WHERE (url, hour) = (SELECT url, hour FROM reports_hourly LIMIT 1)");
  EXPECT_EQ(mismatches(), 2);  // the raw group has no twin, nor has the rollup row
}

TEST_F(RollupsTest, ABatchThatFailsAddsNothingToTheRollups) {
  const auto records = history(400, 3);
  writer_->write(batchOf(records, 0, 200));
  const auto before = count(*check_, "SELECT sum(probes) FROM reports_hourly");
  // The second batch's transaction fails at COMMIT (a deferred constraint): nothing of it,
  // rollups included, may remain; written again once the constraint is gone, it counts once.
  exec(
      "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
      "$$ BEGIN RAISE EXCEPTION 'refused at commit' USING ERRCODE = '40001'; END $$");
  exec(
      "CREATE CONSTRAINT TRIGGER test_refuse AFTER INSERT ON reports_daily "
      "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_refuse()");
  EXPECT_THROW(writer_->write(batchOf(records, 200, 200)), WriteFailed);
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_hourly"), before);
  exec("DROP TRIGGER test_refuse ON reports_daily");
  writer_->write(batchOf(records, 200, 200));
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_hourly"), 400);
  EXPECT_EQ(mismatches(), 0);
}

TEST_F(RollupsTest, TheBucketBoundsAreTheSchemasAndSplitAsWidthBucketDoes) {
  pqxx::nontransaction tx(*check_);
  const auto bounds = tx.exec("SELECT unnest(webmon_latency_bounds())");
  ASSERT_EQ(bounds.size(), kLatencyBoundsMs.size());
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    EXPECT_EQ(bounds[i][0].as<double>(), kLatencyBoundsMs[i]) << i;
  }
  for (const double ms : {0.0, 1.999, 2.0, 2.001, 99.75, 100.0, 29999.0, 30000.0, 1e9}) {
    const auto sql =
        "SELECT width_bucket(" + std::to_string(ms) + "::float8, webmon_latency_bounds())";
    EXPECT_EQ(static_cast<long long>(latencyBucket(ms)), tx.exec(sql)[0][0].as<long long>()) << ms;
  }
}

TEST_F(RollupsTest, TheQuantileIsInterpolatedInsideItsBucket) {
  // 100 ok probes of 1, 2, ..., 100 ms in one hour.
  std::vector<ReportRecord> records = history(100, 5);
  for (std::size_t i = 0; i < records.size(); ++i) {
    records[i].report.url = "http://127.0.0.1/q";
    records[i].report.ok = true;
    records[i].report.degraded = false;
    records[i].report.error.reset();
    records[i].report.http_status = 200;
    records[i].report.checked_at = *common::parseRfc3339("2026-11-30T10:00:00.000Z") +
                                   std::chrono::seconds(static_cast<long>(i));
    records[i].report.response_time_ms = static_cast<double>(i + 1);
  }
  writer_->write(batchOf(records, 0, 100));
  pqxx::nontransaction tx(*check_);
  auto quantile = [&](double q) {
    return tx
        .exec("SELECT webmon_latency_quantile(latency_buckets, " + std::to_string(q) +
              ") FROM reports_hourly WHERE url = 'http://127.0.0.1/q'")[0][0]
        .as<double>();
  };
  // Cumulative counts: [0,2) 1, [2,5) 4, [5,10) 9, [10,20) 19, [20,30) 29, [30,50) 49,
  // [50,75) 74, [75,100) 99, [100,150) 100.
  EXPECT_DOUBLE_EQ(quantile(0.50), 50 + 25 * (1.0 / 25));   // exact: 50.5
  EXPECT_DOUBLE_EQ(quantile(0.95), 75 + 25 * (21.0 / 25));  // exact: 95.05
  EXPECT_DOUBLE_EQ(quantile(1.00), 150);                    // the bucket's upper bound
  EXPECT_TRUE(tx.exec("SELECT webmon_latency_quantile(array_fill(0::bigint, ARRAY[21]), 0.5)")[0][0]
                  .is_null());
}

// webmon_add_buckets (migration 012) adds the 21 buckets element by element, and refuses
// (NULL, which the rollup tables' NOT NULL turns into an error) arrays of another length
// rather than sum them wrongly; the aggregate over it starts from its first array.
TEST_F(RollupsTest, BucketArraysAddElementByElementAndOnlyAtTheirLength) {
  pqxx::nontransaction tx(*check_);
  const auto row = tx.exec1(
      "SELECT webmon_add_buckets(a, b)::text, webmon_add_buckets(a, NULL)::text, "
      "webmon_add_buckets('{1,2}', '{3,4}') IS NULL, "
      "(SELECT webmon_bucket_sum(x)::text FROM (VALUES (a), (b), (b)) AS t(x)) "
      "FROM (SELECT array_agg(i::bigint ORDER BY i) AS a, array_agg(100::bigint) AS b "
      "FROM generate_series(1, 21) AS i) AS buckets");
  EXPECT_EQ(
      row[0].as<std::string>(),
      "{101,102,103,104,105,106,107,108,109,110,111,112,113,114,115,116,117,118,119,120,121}");
  EXPECT_EQ(row[1].as<std::string>(), "{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21}");
  EXPECT_TRUE(row[2].as<bool>());
  EXPECT_EQ(
      row[3].as<std::string>(),
      "{201,202,203,204,205,206,207,208,209,210,211,212,213,214,215,216,217,218,219,220,221}");
}

TEST_F(RollupsTest, TheMigrationRollsUpWhatWasStoredBeforeIt) {
  // A database at schema 8, with rows, then migrated to the current schema.
  testing::ScratchDatabase old_db;
  pqxx::connection old(old_db.connectionString());
  const auto& all = builtInMigrations();
  std::vector<Migration> before_rollups;
  for (const auto& migration : all) {
    if (migration.version < 9) before_rollups.push_back(migration);
  }
  ASSERT_EQ(applyMigrations(old, before_rollups), 8);
  ReportWriter old_writer(old_db.config());
  {
    // Written by hand, as the consumer of schema 8 did (no rollups then).
    pqxx::nontransaction tx(old);
    tx.exec(
        "INSERT INTO reports (id, url, name, checked_at, ok, http_status, response_time_ms, "
        "error_kind, error_message, producer_id, schema_version, kafka_topic, kafka_partition, "
        "kafka_offset, status) "
        "SELECT gen_random_uuid(), 'http://127.0.0.1/' || (i % 5), 'n', "
        "timestamptz '2026-11-20 00:00:00+00' + i * interval '97 seconds', i % 9 <> 0, 200, "
        "(i % 400) * 0.75, CASE WHEN i % 9 = 0 THEN 'timeout' END, "
        "CASE WHEN i % 9 = 0 THEN 'timed out' END, 'p', 3, 'reports', 0, i, "
        "CASE WHEN i % 9 = 0 THEN 'down' WHEN i % 4 = 0 THEN 'degraded' ELSE 'up' END "
        "FROM generate_series(1, 5000) AS i");
  }
  EXPECT_EQ(old_writer.migrate(), static_cast<int>(all.size()) - 8);
  EXPECT_EQ(count(old, "SELECT sum(probes) FROM reports_hourly"), 5000);
  EXPECT_EQ(count(old, "SELECT sum(probes) FROM reports_daily"), 5000);
  EXPECT_EQ(count(old, rollupsVsRawSql()), 0);
  // The migration to stored offsets (011) takes the highest offset stored as where the
  // partition goes on, and the consumer adds to the rollups from there on.
  EXPECT_EQ(count(old, "SELECT next_offset FROM consumer_offsets WHERE kafka_partition = 0"), 5001);
  auto next = batchOf(history(500, 9), 0, 500);
  for (auto& record : next.reports) record.position.offset += 5001;
  EXPECT_EQ(old_writer.write(next).inserted, 500u);
  EXPECT_EQ(count(old, "SELECT sum(probes) FROM reports_hourly"), 5500);
  EXPECT_EQ(count(old, "SELECT next_offset FROM consumer_offsets WHERE kafka_partition = 0"), 5501);
  EXPECT_EQ(count(old, rollupsVsRawSql()), 0);
}

}  // namespace
}  // namespace webmon::consumer
