// ReportWriter against a real (throwaway) PostgreSQL: one transaction per batch, idempotent
// on the report id, rejected messages kept byte for byte.

#include "consumer/report_writer.h"

#include <gtest/gtest.h>

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/transaction>
#include <random>
#include <thread>

#include "consumer/migrations.h"
#include "tests/support/test_env.h"
#include "tests/support/writer_fixture.h"

namespace webmon::consumer {
namespace {

ReportRecord record(const std::string& url, bool ok, std::int64_t offset) {
  ReportRecord r;
  r.report.id = common::newReportId();
  r.report.url = url;
  r.report.name = url;
  r.report.checked_at = *common::parseRfc3339("2026-11-24T10:00:00.250Z");
  r.report.ok = ok;
  r.report.http_status = ok ? 200 : 503;
  r.report.response_time_ms = 4.25;
  if (!ok) r.report.error = common::ProbeError{common::ErrorKind::Http, "HTTP status 503"};
  r.report.producer_id = "p1";
  r.position = {"reports", 2, offset};
  return r;
}

using testing::count;
using ReportWriterTest = testing::WriterFixture;

TEST_F(ReportWriterTest, MigrationsApplyOnceAndAreRecorded) {
  EXPECT_EQ(writer_->migrate(), 0);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM schema_migrations"),
            static_cast<long long>(builtInMigrations().size()));
}

TEST_F(ReportWriterTest, StoresEveryFieldOfABatch) {
  DecodedBatch batch;
  batch.reports = {record("http://a/", true, 7), record("http://b/", false, 8)};
  const auto result = writer_->write(batch);
  EXPECT_EQ(result.inserted, 2u);
  EXPECT_EQ(result.duplicates, 0u);
  pqxx::nontransaction tx(*check_);
  const auto row = tx.exec1(
      "SELECT url, ok, http_status, response_time_ms, error_kind, error_message, producer_id, "
      "kafka_topic, kafka_partition, kafka_offset, "
      "to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') "
      "FROM reports WHERE url = 'http://b/'");
  EXPECT_EQ(row[0].as<std::string>(), "http://b/");
  EXPECT_FALSE(row[1].as<bool>());
  EXPECT_EQ(row[2].as<int>(), 503);
  EXPECT_DOUBLE_EQ(row[3].as<double>(), 4.25);
  EXPECT_EQ(row[4].as<std::string>(), "http");
  EXPECT_EQ(row[5].as<std::string>(), "HTTP status 503");
  EXPECT_EQ(row[6].as<std::string>(), "p1");
  EXPECT_EQ(row[7].as<std::string>(), "reports");
  EXPECT_EQ(row[8].as<int>(), 2);
  EXPECT_EQ(row[9].as<long long>(), 8);
  EXPECT_EQ(row[10].as<std::string>(), "2026-11-24T10:00:00.250");
}

TEST_F(ReportWriterTest, StoresStatusAndPhaseTimings) {
  DecodedBatch batch;
  auto slow = record("http://slow/", true, 1);
  slow.report.degraded = true;
  slow.report.timings = {0.5, 1.25, 7.0, 80.5};
  slow.report.regexp = "ready";
  slow.report.regexp_found = true;
  slow.report.body_truncated = false;
  slow.report.cert_expires_at = *common::parseRfc3339("2026-12-09T10:00:00.250Z");
  slow.report.cert_days_left = 15;
  slow.report.type = "tls";
  slow.report.dns_cached = true;
  auto refused = record("http://refused/", false, 2);
  refused.report.timings.dns_ms = 0.75;  // got no further
  batch.reports = {slow, refused};
  ASSERT_EQ(writer_->write(batch).inserted, 2u);
  pqxx::nontransaction tx(*check_);
  const auto row = tx.exec1(
      "SELECT status, dns_ms, connect_ms, tls_ms, ttfb_ms FROM reports WHERE url = 'http://slow/'");
  EXPECT_EQ(row[0].as<std::string>(), "degraded");
  EXPECT_DOUBLE_EQ(row[1].as<double>(), 0.5);
  EXPECT_DOUBLE_EQ(row[2].as<double>(), 1.25);
  EXPECT_DOUBLE_EQ(row[3].as<double>(), 7.0);
  EXPECT_DOUBLE_EQ(row[4].as<double>(), 80.5);
  const auto body_check = tx.exec1(
      "SELECT regexp, regexp_found, body_truncated FROM reports WHERE url = 'http://slow/'");
  EXPECT_EQ(body_check[0].as<std::string>(), "ready");
  EXPECT_TRUE(body_check[1].as<bool>());
  EXPECT_FALSE(body_check[2].as<bool>());
  const auto cert = tx.exec1(
      "SELECT to_char(cert_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS'), "
      "cert_days_left FROM reports WHERE url = 'http://slow/'");
  EXPECT_EQ(cert[0].as<std::string>(), "2026-12-09 10:00:00.250");
  EXPECT_EQ(cert[1].as<int>(), 15);
  EXPECT_EQ(tx.exec1("SELECT string_agg(coalesce(dns_cached::text, 'null'), ',' ORDER BY url) "
                     "FROM reports")[0]
                .as<std::string>(),
            "null,true");
  EXPECT_EQ(
      tx.exec1("SELECT string_agg(probe_type, ',' ORDER BY url) FROM reports")[0].as<std::string>(),
      "http,tls");
  EXPECT_EQ(
      tx.exec1("SELECT count(*) FROM reports WHERE url = 'http://refused/' AND regexp IS NULL "
               "AND regexp_found IS NULL AND body_truncated IS NULL")[0]
          .as<int>(),
      1);
  const auto partial = tx.exec1(
      "SELECT status, dns_ms, connect_ms IS NULL AND tls_ms IS NULL AND ttfb_ms IS NULL "
      "FROM reports WHERE url = 'http://refused/'");
  EXPECT_EQ(partial[0].as<std::string>(), "down");
  EXPECT_DOUBLE_EQ(partial[1].as<double>(), 0.75);
  EXPECT_TRUE(partial[2].as<bool>());
}

// Answers may hold anything a TXT record can: quotes, backslashes, commas, braces.
TEST_F(ReportWriterTest, StoresDnsAnswersAsATextArray) {
  DecodedBatch batch;
  auto txt = record("dns://up.test", true, 1);
  txt.report.type = "dns";
  txt.report.http_status.reset();
  txt.report.dns_record = "TXT";
  txt.report.dns_answers =
      std::vector<std::string>{"v=spf1 -all", R"(say "hi", {x} \ done)", "NULL", ""};
  auto missing = record("dns://missing.test", false, 2);
  missing.report.type = "dns";
  missing.report.http_status.reset();
  missing.report.error = common::ProbeError{common::ErrorKind::Dns, "Domain name not found"};
  missing.report.dns_record = "A";
  missing.report.dns_answers = std::vector<std::string>{};
  batch.reports = {txt, missing, record("http://plain/", true, 3)};
  ASSERT_EQ(writer_->write(batch).inserted, 3u);
  pqxx::nontransaction tx(*check_);
  const auto rows = tx.exec(
      "SELECT url, probe_type, dns_record, cardinality(dns_answers), answer, ord "
      "FROM reports LEFT JOIN LATERAL unnest(dns_answers) WITH ORDINALITY AS a(answer, ord) "
      "ON true WHERE url = 'dns://up.test' ORDER BY ord");
  ASSERT_EQ(rows.size(), 4u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][1].as<std::string>(), "dns");
    EXPECT_EQ(rows[i][2].as<std::string>(), "TXT");
    EXPECT_EQ(rows[i][3].as<int>(), 4);
    EXPECT_FALSE(rows[i][4].is_null()) << "answer " << i << " came back as NULL";
    EXPECT_EQ(rows[i][4].as<std::string>(), (*txt.report.dns_answers)[i]);
  }
  EXPECT_EQ(tx.exec1("SELECT dns_record || ' ' || cardinality(dns_answers) || ' ' || error_kind "
                     "FROM reports WHERE url = 'dns://missing.test'")[0]
                .as<std::string>(),
            "A 0 dns");
  EXPECT_TRUE(tx.exec1("SELECT dns_record IS NULL AND dns_answers IS NULL FROM reports "
                       "WHERE url = 'http://plain/'")[0]
                  .as<bool>());
}

TEST_F(ReportWriterTest, StoresAttemptsWithTheirCountsAndMinMedianMax) {
  DecodedBatch batch;
  auto run = record("http://flaky/", true, 1);
  run.report.degraded = true;
  const auto t0 = *common::parseRfc3339("2026-11-25T10:00:00.000Z");
  run.report.attempts = {{t0, 9.5, true, std::nullopt},
                         {t0 + std::chrono::seconds(1), 2.0, false, common::ErrorKind::Http},
                         {t0 + std::chrono::seconds(2), 4.0, true, std::nullopt},
                         {t0 + std::chrono::seconds(3), 6.0, false, common::ErrorKind::Timeout}};
  batch.reports = {run, record("http://single/", true, 2)};
  ASSERT_EQ(writer_->write(batch).inserted, 2u);
  pqxx::nontransaction tx(*check_);
  const auto row = tx.exec1(
      "SELECT jsonb_array_length(attempts), attempts_failed, attempt_min_ms, attempt_median_ms, "
      "attempt_max_ms, attempts->1->>'error', attempts->3->>'at', status FROM reports "
      "WHERE url = 'http://flaky/'");
  EXPECT_EQ(row[0].as<int>(), 4);
  EXPECT_EQ(row[1].as<int>(), 2);
  EXPECT_DOUBLE_EQ(row[2].as<double>(), 2.0);
  EXPECT_DOUBLE_EQ(row[3].as<double>(), 5.0);
  EXPECT_DOUBLE_EQ(row[4].as<double>(), 9.5);
  EXPECT_EQ(row[5].as<std::string>(), "http");
  EXPECT_EQ(row[6].as<std::string>(), "2026-11-25T10:00:03.000Z");
  EXPECT_EQ(row[7].as<std::string>(), "degraded");
  EXPECT_TRUE(tx.exec1("SELECT attempts IS NULL AND attempts_failed IS NULL AND attempt_min_ms IS "
                       "NULL FROM reports WHERE url = 'http://single/'")[0]
                  .as<bool>());
}

// A database that held rows before migration 002 keeps them, each up or down as ok says.
TEST(SchemaMigration, RowsStoredBeforeStatusExistedGetOneFromOk) {
  WEBMON_REQUIRE_TEST_ENV();
  testing::ScratchDatabase db;
  pqxx::connection connection(db.connectionString());
  const auto migrations = builtInMigrations();
  ASSERT_GE(migrations.size(), 2u);
  {
    pqxx::work tx(connection);
    tx.exec(migrations[0].sql);
    tx.exec(
        "INSERT INTO reports (id, url, name, checked_at, ok, response_time_ms, error_kind, "
        "producer_id, schema_version, kafka_topic, kafka_partition, kafka_offset) VALUES "
        "(gen_random_uuid(), 'http://a/', 'a', now(), true, 1, NULL, 'p', 1, 't', 0, 0), "
        "(gen_random_uuid(), 'http://b/', 'b', now(), false, 1, 'dns', 'p', 1, 't', 0, 1)");
    tx.exec(migrations[1].sql);
    tx.commit();
  }
  pqxx::nontransaction tx(connection);
  EXPECT_EQ(tx.exec1("SELECT string_agg(url || '=' || status, ',' ORDER BY url) FROM reports")[0]
                .as<std::string>(),
            "http://a/=up,http://b/=down");
}

// A redelivered batch (offsets not committed to Kafka before a crash) must add no rows: the
// offset stored with the rows has moved past it, so none of it is written, and the writer
// says where the partition goes on.
TEST_F(ReportWriterTest, RedeliveredBatchIsRefusedByTheStoredOffset) {
  DecodedBatch batch;
  for (int i = 0; i < 1200; ++i) batch.reports.push_back(record("http://a/", true, i));
  batch.rejected.push_back({{"reports", 2, 1200}, "junk", "not valid JSON"});
  const auto first = writer_->write(batch);
  EXPECT_EQ(first.inserted, 1200u);
  EXPECT_TRUE(first.mismatched.empty());
  EXPECT_EQ(count(*check_, "SELECT next_offset FROM consumer_offsets WHERE kafka_partition = 2"),
            1201);
  const auto again = writer_->write(batch);
  EXPECT_EQ(again.inserted, 0u);
  EXPECT_EQ(again.duplicates, 0u);
  EXPECT_EQ(again.rejected, 0u);
  EXPECT_EQ(again.not_stored, 1201u);
  ASSERT_EQ(again.mismatched.size(), 1u);
  EXPECT_EQ(again.mismatched[0].partition, 2);
  EXPECT_EQ(again.mismatched[0].stored_next, 1201);
  EXPECT_EQ(again.mismatched[0].batch_first, 0);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 1200);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM rejected_reports"), 1);
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_hourly"), 1200);
}

// Partitions of one batch are judged one by one: the one that goes on where the database
// says is written, the one that repeats stored messages is not.
TEST_F(ReportWriterTest, OnlyTheMismatchedPartitionOfABatchIsLeftOut) {
  DecodedBatch first;
  first.reports = {record("http://a/", true, 0), record("http://a/", true, 1)};
  first.reports[1].position.partition = 3;
  writer_->write(first);
  DecodedBatch second;
  second.reports = {record("http://a/", true, 1), record("http://a/", true, 1)};
  second.reports[1].position.partition = 3;  // p3 stored offset 1 already: next is 2
  const auto result = writer_->write(second);
  EXPECT_EQ(result.inserted, 1u);
  EXPECT_EQ(result.not_stored, 1u);
  ASSERT_EQ(result.mismatched.size(), 1u);
  EXPECT_EQ(result.mismatched[0].partition, 3);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 3);
  EXPECT_EQ(count(*check_, "SELECT next_offset FROM consumer_offsets WHERE kafka_partition = 2"),
            2);
  EXPECT_EQ(count(*check_, "SELECT next_offset FROM consumer_offsets WHERE kafka_partition = 3"),
            2);
}

TEST_F(ReportWriterTest, RejectedMessagesKeepTheirBytesPositionAndReason) {
  DecodedBatch batch;
  const std::string raw("\xff\x00{not json", 11);
  batch.rejected.push_back({{"reports", 1, 42}, raw, "not valid JSON: oops"});
  EXPECT_EQ(writer_->write(batch).rejected, 1u);
  EXPECT_EQ(writer_->write(batch).rejected, 0u);  // stored once per topic position
  pqxx::nontransaction tx(*check_);
  const auto row = tx.exec1(
      "SELECT kafka_partition, kafka_offset, reason, length(raw), encode(raw, 'hex') "
      "FROM rejected_reports");
  EXPECT_EQ(row[0].as<int>(), 1);
  EXPECT_EQ(row[1].as<long long>(), 42);
  EXPECT_EQ(row[2].as<std::string>(), "not valid JSON: oops");
  EXPECT_EQ(row[3].as<int>(), 11);
  EXPECT_EQ(row[4].as<std::string>(), "ff007b6e6f74206a736f6e");
}

// One transaction: if any statement fails, none of the batch is visible, and the same batch
// succeeds once the cause is gone.
TEST_F(ReportWriterTest, FailedTransactionLeavesNothingAndRetrySucceeds) {
  {
    pqxx::nontransaction tx(*check_);
    tx.exec(
        "CREATE FUNCTION fail_once() RETURNS trigger AS $$ BEGIN "
        "IF NEW.url = 'http://poison/' AND NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = "
        "'poison_passed') THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ "
        "LANGUAGE plpgsql");
    tx.exec(
        "CREATE TRIGGER fail_once BEFORE INSERT ON reports FOR EACH ROW EXECUTE FUNCTION "
        "fail_once()");
  }
  DecodedBatch batch;
  for (int i = 0; i < 600; ++i) batch.reports.push_back(record("http://a/", true, i));
  batch.reports.push_back(record("http://poison/", true, 600));
  batch.rejected.push_back({{"reports", 2, 601}, "junk", "not valid JSON"});
  EXPECT_THROW(writer_->write(batch), WriteFailed);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 0);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM rejected_reports"), 0);
  {
    pqxx::nontransaction tx(*check_);
    tx.exec("CREATE TABLE poison_passed ()");
  }
  EXPECT_EQ(writer_->write(batch).inserted, 601u);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 601);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM rejected_reports"), 1);
}

TEST_F(ReportWriterTest, UnreachableDatabaseIsAWriteFailedThatNamesItWithoutThePassword) {
  auto config = db_->config();
  config.port = 1;  // nothing listens there
  config.password = "hunter2";
  ReportWriter writer(config);
  try {
    writer.write(DecodedBatch{});
    FAIL() << "expected WriteFailed";
  } catch (const WriteFailed& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("127.0.0.1:1"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace webmon::consumer

namespace webmon::consumer {
namespace {

// Same id, same probe: a redelivery, silently skipped. Same id, different probe: an id clash,
// set aside in rejected_reports with the stored report's identity in the reason.
// Two consumers that both believe they own a partition (one lost it in a rebalance it has
// not seen yet) write it at the same time, each in batches of its own sizes. Whatever one
// stores, the other's overlapping batch is refused, and it goes on where the database says,
// as the consume loop does. Each message ends up stored exactly once, rollups included.
TEST_F(ReportWriterTest, TwoWritersOfOnePartitionStoreEachMessageOnce) {
  constexpr int kMessages = 6000;
  std::vector<ReportRecord> records;
  for (int i = 0; i < kMessages; ++i) records.push_back(record("http://a/", i % 7 != 0, i));
  struct Totals {
    std::size_t inserted = 0;
    std::size_t refused_batches = 0;
  };
  const auto consume = [&](ReportWriter& writer, std::uint32_t seed, Totals& totals) {
    std::mt19937 random(seed);
    std::int64_t next = 0;
    while (next < kMessages) {
      const auto size = std::min<std::int64_t>(1 + random() % 150, kMessages - next);
      DecodedBatch batch;
      batch.reports.assign(records.begin() + next, records.begin() + next + size);
      const auto result = writer.write(batch);
      totals.inserted += result.inserted;
      if (result.mismatched.empty()) {
        next += size;
      } else {
        ++totals.refused_batches;
        next = result.mismatched.front().stored_next;
      }
    }
  };
  ReportWriter other(db_->config());
  Totals mine, theirs;
  std::thread second([&] { consume(other, 2, theirs); });
  consume(*writer_, 1, mine);
  second.join();
  EXPECT_EQ(mine.inserted + theirs.inserted, static_cast<std::size_t>(kMessages));
  // Both start at offset 0, so whichever claims second is refused at least once.
  EXPECT_GE(mine.refused_batches + theirs.refused_batches, 1u);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), kMessages);
  EXPECT_EQ(count(*check_, "SELECT count(DISTINCT kafka_offset) FROM reports"), kMessages);
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_hourly"), kMessages);
  EXPECT_EQ(count(*check_, "SELECT sum(down) FROM reports_daily"), (kMessages + 6) / 7);
  EXPECT_EQ(count(*check_, "SELECT next_offset FROM consumer_offsets"), kMessages);
}

TEST_F(ReportWriterTest, TellsRedeliveriesFromIdClashes) {
  DecodedBatch first;
  first.reports = {record("http://a/", true, 1)};
  writer_->write(first);

  DecodedBatch second;
  // A producer that sent a report again (its delivery report was lost) puts it at a new
  // offset, which the stored offsets cannot tell: the report id can.
  auto redelivery = first.reports[0];
  redelivery.position.offset = 2;
  auto clash = record("http://other/", true, 3);
  clash.report.id = first.reports[0].report.id;
  second.reports = {redelivery, clash, record("http://b/", true, 4)};
  const auto result = writer_->write(second);
  EXPECT_EQ(result.inserted, 1u);
  EXPECT_EQ(result.duplicates, 1u);
  EXPECT_EQ(result.rejected, 1u);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 2);
  pqxx::nontransaction tx(*check_);
  const auto row = tx.exec1("SELECT kafka_offset, reason FROM rejected_reports");
  EXPECT_EQ(row[0].as<long long>(), 3);
  EXPECT_NE(row[1].as<std::string>().find("duplicate id " + clash.report.id), std::string::npos);
  EXPECT_NE(row[1].as<std::string>().find("p1 http://a/ 2026-11-24T10:00:00.250Z"),
            std::string::npos)
      << row[1].as<std::string>();
}

}  // namespace
}  // namespace webmon::consumer
