// The partitioned history against a real (throwaway) PostgreSQL: each day's reports in its own
// partition, retention dropping whole old days while the rollups keep answering for them,
// reports of days with no partition set aside with the reason, and migration 010 keeping every
// row of a table from before the partitioning.

#include "consumer/history_retention.h"

#include <gtest/gtest.h>

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "consumer/migrations.h"
#include "consumer/report_writer.h"
#include "tests/support/writer_fixture.h"

namespace webmon::consumer {
namespace {

using testing::count;

constexpr std::chrono::hours kDay{24};

// `n` reports of one URL, `days_ago` days back from now (fractions allowed), a minute apart.
std::vector<ReportRecord> reportsAt(double days_ago, int n,
                                    const std::string& url = "http://127.0.0.1/a") {
  static std::int64_t offset = 0;
  std::vector<ReportRecord> out;
  const auto at = std::chrono::system_clock::now() -
                  std::chrono::duration_cast<std::chrono::milliseconds>(days_ago * kDay);
  for (int i = 0; i < n; ++i) {
    ReportRecord r;
    r.report.id = common::newReportId();
    r.report.url = url;
    r.report.name = "n";
    r.report.checked_at =
        std::chrono::time_point_cast<std::chrono::milliseconds>(at + std::chrono::minutes(i));
    r.report.ok = i % 4 != 0;
    if (!r.report.ok) r.report.error = common::ProbeError{common::ErrorKind::Timeout, "timed out"};
    r.report.http_status = r.report.ok ? std::optional<int>(200) : std::nullopt;
    r.report.response_time_ms = 12.5;
    r.report.producer_id = "p1";
    r.position = {"reports", 0, offset++};
    out.push_back(std::move(r));
  }
  return out;
}

DecodedBatch batchOf(std::initializer_list<std::vector<ReportRecord>> parts) {
  DecodedBatch batch;
  for (const auto& part : parts)
    batch.reports.insert(batch.reports.end(), part.begin(), part.end());
  return batch;
}

class HistoryTest : public testing::WriterFixture {
 protected:
  long long partitions() {
    return count(*check_, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'reports'::regclass");
  }
  bool hasPartitionFor(double days_ago) {
    pqxx::nontransaction tx(*check_);
    const auto name =
        tx.exec1("SELECT 'reports_' || to_char((now() - interval '" +
                 std::to_string(days_ago * 24) + " hours') AT TIME ZONE 'UTC', 'YYYYMMDD')")[0]
            .as<std::string>();
    return !tx.exec1("SELECT to_regclass(" + tx.quote(name) + ")")[0].is_null();
  }
};

TEST_F(HistoryTest, EachDaysReportsGoToThatDaysPartition) {
  writer_->write(batchOf({reportsAt(2, 10), reportsAt(0, 10), reportsAt(-1, 10)}));
  EXPECT_TRUE(hasPartitionFor(2));
  EXPECT_TRUE(hasPartitionFor(0));
  EXPECT_TRUE(hasPartitionFor(-1));
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 30);
  // Every row sits in the partition named after its UTC day.
  EXPECT_EQ(count(*check_,
                  "SELECT count(*) FROM reports WHERE tableoid::regclass::text <> 'reports_' || "
                  "to_char(checked_at AT TIME ZONE 'UTC', 'YYYYMMDD')"),
            0);
}

TEST_F(HistoryTest, RetentionDropsOldDaysWholeAndTheRollupsStillAnswerForThem) {
  writer_->write(
      batchOf({reportsAt(40, 20), reportsAt(31.5, 20), reportsAt(10, 20), reportsAt(0.2, 20)}));
  ASSERT_EQ(count(*check_, "SELECT count(*) FROM reports"), 80);
  const auto uptime_before =
      count(*check_, "SELECT sum(probes) FROM webmon_rollups_since(now() - interval '45 days')");
  ASSERT_EQ(uptime_before, 80);

  common::RetentionConfig retention;  // 30 days raw, 90 days hourly, daily for ever
  EXPECT_GE(applyRetention(db_->config(), retention), 2);
  EXPECT_FALSE(hasPartitionFor(40));
  EXPECT_FALSE(hasPartitionFor(31.5));
  EXPECT_TRUE(hasPartitionFor(10));
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 40);
  EXPECT_EQ(
      count(*check_, "SELECT sum(probes) FROM webmon_rollups_since(now() - interval '45 days')"),
      uptime_before);
  EXPECT_EQ(applyRetention(db_->config(), retention), 0);  // nothing more to drop

  retention.hourly_days = 35;  // now the hourly rows of 40 days ago go, the daily ones stay
  applyRetention(db_->config(), retention);
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_hourly"), 60);
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_daily"), 80);
}

TEST_F(HistoryTest, AReportOfADayWithNoPartitionIsSetAsideWithTheReason) {
  ReportWriter writer(db_->config(), 30);
  const auto result = writer.write(batchOf({reportsAt(0, 5), reportsAt(45, 1), reportsAt(-30, 1)}));
  EXPECT_EQ(result.inserted, 5u);
  ASSERT_EQ(result.refused.size(), 2u);
  EXPECT_NE(result.refused[0].reason.find("older than retention.reports_days (30)"),
            std::string::npos)
      << result.refused[0].reason;
  EXPECT_NE(result.refused[1].reason.find("more than 7 days ahead of the database's clock"),
            std::string::npos)
      << result.refused[1].reason;
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM rejected_reports"), 2);
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_hourly"), 5);
  EXPECT_FALSE(hasPartitionFor(45));
  EXPECT_FALSE(hasPartitionFor(-30));
}

TEST_F(HistoryTest, TheMigrationKeepsEveryRowOfATableFromBeforeThePartitioning) {
  testing::ScratchDatabase old_db;
  pqxx::connection old(old_db.connectionString());
  std::vector<Migration> before;
  for (const auto& migration : builtInMigrations()) {
    if (migration.version < 10) before.push_back(migration);
  }
  ASSERT_EQ(applyMigrations(old, before), 9);
  {
    // Written by hand, as a consumer of schema 9 did (without partitions to look for): 150
    // rows on three days over the last 20.
    pqxx::nontransaction tx(old);
    tx.exec(
        "INSERT INTO reports (id, url, name, checked_at, ok, http_status, response_time_ms, "
        "producer_id, schema_version, kafka_topic, kafka_partition, kafka_offset, status) "
        "SELECT gen_random_uuid(), 'http://127.0.0.1/a', 'n', "
        "now() - d * interval '1 day' + i * interval '1 minute', true, 200, 12.5, 'p', 3, "
        "'reports', 0, i, 'up' "
        "FROM unnest(ARRAY[20, 5, 0.1]) AS d, generate_series(1, 50) AS i");
  }
  const auto fingerprint = [&] {
    pqxx::nontransaction tx(old);
    return tx
        .exec1(
            "SELECT count(*) || ' ' || md5(string_agg(id::text || url || checked_at::text || "
            "status || response_time_ms::text, ',' ORDER BY id)) FROM reports")[0]
        .as<std::string>();
  };
  const auto before_migration = fingerprint();

  ASSERT_EQ(applyMigrations(old, builtInMigrations()),
            static_cast<int>(builtInMigrations().size()) - 9);
  ReportWriter old_writer(old_db.config());
  EXPECT_EQ(fingerprint(), before_migration);
  {
    pqxx::nontransaction tx(old);
    EXPECT_EQ(
        tx.exec1("SELECT relkind FROM pg_class WHERE relname = 'reports'")[0].as<std::string>(),
        "p");
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_inherits WHERE inhrelid = "
                       "'reports_before_partitioning'::regclass")[0]
                  .as<int>(),
              1);
  }
  // Today's rows of before are in the old table; tomorrow's new ones get a partition. They
  // come after the highest offset stored before (50), where the stored offsets now go on.
  auto tomorrow = batchOf({reportsAt(-1, 5)});
  for (std::size_t i = 0; i < tomorrow.reports.size(); ++i) {
    tomorrow.reports[i].position = {"reports", 0, 51 + static_cast<std::int64_t>(i)};
  }
  EXPECT_EQ(old_writer.write(tomorrow).inserted, 5u);
  EXPECT_EQ(count(old, "SELECT count(*) FROM reports"), 155);
  EXPECT_EQ(count(old,
                  "SELECT count(*) FROM reports WHERE tableoid = "
                  "'reports_before_partitioning'::regclass"),
            150);
  // Retention keeps the old table while any of it is young enough, then drops it whole.
  EXPECT_EQ(applyRetention(old_db.config(), {}), 0);
  EXPECT_EQ(count(old, "SELECT count(*) FROM reports"), 155);
}

}  // namespace
}  // namespace webmon::consumer
