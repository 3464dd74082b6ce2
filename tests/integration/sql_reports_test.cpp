// The ready-made queries in sql/reports/, run with psql -f exactly as an operator would, on
// rows whose answers we know.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <sstream>

#include "consumer/report_writer.h"
#include "tests/support/test_env.h"

#ifndef WEBMON_SOURCE_DIR
#error "WEBMON_SOURCE_DIR must be defined by the build"
#endif

namespace webmon {
namespace {

class SqlReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WEBMON_REQUIRE_TEST_ENV();
    db_ = std::make_unique<testing::ScratchDatabase>();
    consumer::ReportWriter(db_->config()).migrate();
    connection_ = std::make_unique<pqxx::connection>(db_->connectionString());
  }

  // Inserts a probe `minutes_ago` minutes back; status "" means up or down as `ok` says.
  void probe(const std::string& url, double minutes_ago, bool ok, double ms,
             const std::string& status = "",
             const std::string& timings = "NULL, NULL, NULL, NULL") {
    pqxx::nontransaction tx(*connection_);
    tx.exec(
        "INSERT INTO reports (id, url, name, checked_at, ok, http_status, response_time_ms, "
        "error_kind, error_message, producer_id, schema_version, kafka_topic, "
        "kafka_partition, kafka_offset, status, dns_ms, connect_ms, tls_ms, ttfb_ms) VALUES "
        "(gen_random_uuid(), " +
        tx.quote(url) + ", " + tx.quote(url) + ", now() - interval '" +
        std::to_string(minutes_ago) + " minutes', " + (ok ? "true" : "false") + ", " +
        (ok ? "200" : "NULL") + ", " + std::to_string(ms) + ", " +
        (ok ? "NULL, NULL" : "'timeout', 'timed out'") + ", 'p', 2, 't', 0, 0, " +
        tx.quote(status.empty() ? (ok ? "up" : "down") : status) + ", " + timings + ")");
  }

  // Runs a report file through psql; one line per row, fields separated by '|'.
  std::vector<std::string> runReport(const std::string& file, const std::string& variables = "") {
    const auto config = db_->config();
    std::ostringstream command;
    command << "PGPASSWORD=webmon psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 " << variables
            << " -h 127.0.0.1 -p " << config.port << " -U webmon -d " << config.db_name << " -f "
            << WEBMON_SOURCE_DIR << "/sql/reports/" << file << " 2>&1";
    const auto result = testing::runCommand(command.str());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    std::vector<std::string> lines;
    std::istringstream stream(result.output);
    for (std::string line; std::getline(stream, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  }

  std::unique_ptr<testing::ScratchDatabase> db_;
  std::unique_ptr<pqxx::connection> connection_;
};

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream stream(line);
  for (std::string field; std::getline(stream, field, '|');) out.push_back(field);
  return out;
}

TEST_F(SqlReportsTest, UptimeCountsOnlyTheWindow) {
  for (int i = 0; i < 9; ++i) probe("http://a/", 10 + i, true, 5);
  probe("http://a/", 30, false, 1000);
  probe("http://a/", 60 * 48, false, 1000);  // outside the default 24 h window
  for (int i = 0; i < 4; ++i) probe("http://b/", 5 + i, i % 2 == 0, 5);
  const auto rows = runReport("uptime.sql");
  ASSERT_EQ(rows.size(), 2u);
  const auto b = fields(rows[0]);  // lowest uptime first
  EXPECT_EQ(b[0], "http://b/");
  EXPECT_EQ(b[1], "4");
  EXPECT_EQ(b[4], "50.000");
  const auto a = fields(rows[1]);
  EXPECT_EQ(a[0], "http://a/");
  EXPECT_EQ(a[1], "10");
  EXPECT_EQ(a[2], "9");
  EXPECT_EQ(a[3], "1");
  EXPECT_EQ(a[4], "90.000");
}

TEST_F(SqlReportsTest, UptimeWindowIsAPsqlVariable) {
  probe("http://a/", 10, true, 5);
  probe("http://a/", 120, false, 5);
  const auto rows = runReport("uptime.sql", "-v window='1 hour'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(fields(rows[0])[4], "100.000");
}

TEST_F(SqlReportsTest, LatencyPercentilesUseSuccessfulProbesOnly) {
  for (int ms = 1; ms <= 100; ++ms) probe("http://a/", 1 + ms / 10.0, true, ms);
  probe("http://a/", 1, false, 10000);  // a timeout must not count as latency
  const auto rows = runReport("latency.sql");
  ASSERT_EQ(rows.size(), 1u);
  const auto a = fields(rows[0]);
  EXPECT_EQ(a[1], "100");
  EXPECT_EQ(a[2], "50.5");   // p50 of 1..100, interpolated
  EXPECT_EQ(a[3], "95.1");   // p95
  EXPECT_EQ(a[4], "99.0");   // p99
  EXPECT_EQ(a[5], "100.0");  // max
}

TEST_F(SqlReportsTest, CurrentStateShowsLatestResultAndSinceWhen) {
  probe("http://a/", 30, true, 5);
  probe("http://a/", 20, false, 5);  // went down 20 minutes ago ...
  probe("http://a/", 10, false, 5);  // ... and is still down
  probe("http://b/", 15, true, 5);
  probe("http://b/", 5, true, 5);
  const auto rows = runReport("current_state.sql");
  ASSERT_EQ(rows.size(), 2u);
  const auto a = fields(rows[0]);  // down first
  EXPECT_EQ(a[0], "http://a/");
  EXPECT_EQ(a[2], "down");
  EXPECT_EQ(a[6], "timeout");
  pqxx::nontransaction tx(*connection_);
  const auto expected_since =
      tx.exec1("SELECT min(checked_at)::text FROM reports WHERE url = 'http://a/' AND NOT ok")[0]
          .as<std::string>();
  EXPECT_EQ(a[3], expected_since);
  const auto b = fields(rows[1]);
  EXPECT_EQ(b[2], "up");
  EXPECT_EQ(b[3], tx.exec1("SELECT min(checked_at)::text FROM reports WHERE url = 'http://b/'")[0]
                      .as<std::string>());
}

TEST_F(SqlReportsTest, UptimeByStatusCountsUpDegradedAndDownSeparately) {
  probe("http://a/", 10, true, 5);
  probe("http://a/", 11, true, 900, "degraded");
  probe("http://a/", 12, true, 950, "degraded");
  probe("http://a/", 13, false, 1000);
  probe("http://a/", 60 * 30, false, 1000);  // outside the window
  probe("http://b/", 10, true, 5);
  const auto rows = runReport("uptime_by_status.sql");
  ASSERT_EQ(rows.size(), 2u);
  const auto a = fields(rows[0]);  // worst first
  EXPECT_EQ(
      a, (std::vector<std::string>{"http://a/", "4", "1", "2", "1", "25.000", "50.000", "25.000"}));
  EXPECT_EQ(fields(rows[1])[0], "http://b/");
  EXPECT_EQ(fields(rows[1])[5], "100.000");
}

TEST_F(SqlReportsTest, SlowestPhaseNamesWhereTheTimeGoes) {
  // slow-tls: dns 1, connect 2, tls 40, first byte at 50 (wait 7), total 60 (transfer 10)
  probe("http://slow-tls/", 5, true, 60, "", "1, 2, 40, 50");
  probe("http://slow-tls/", 6, true, 60, "", "1, 2, 50, 60");  // tls 50, wait 7, transfer 0
  // slow-server: a 300 ms wait for the first byte
  probe("http://slow-server/", 5, true, 310, "", "1, 1, NULL, 302");
  // refused: only the lookup happened
  probe("http://refused/", 5, false, 3, "", "3, NULL, NULL, NULL");
  probe("http://old/", 5, true, 20);  // schema 1: no timings, not listed
  const auto rows = runReport("slowest_phase.sql");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(fields(rows[0]),
            (std::vector<std::string>{"http://slow-server/", "1", "wait", "300.000", "1.000",
                                      "1.000", "", "300.000", "8.000"}));
  const auto tls = fields(rows[1]);
  EXPECT_EQ(tls[0], "http://slow-tls/");
  EXPECT_EQ(tls[2], "tls");
  EXPECT_EQ(tls[3], "45.000");
  EXPECT_EQ(tls[7], "7.000");
  EXPECT_EQ(tls[8], "5.000");
  EXPECT_EQ(fields(rows[2])[2], "dns");
}

TEST_F(SqlReportsTest, FlakyCountsPeriodsThatNeededAnotherAttemptAndFailedAttempts) {
  // Stores a period of three attempts, `failed` of which failed, with the given median.
  auto period = [&](const std::string& url, double minutes_ago, int failed, double median) {
    const bool ok = failed < 3;
    probe(url, minutes_ago, ok, median, ok ? (failed > 0 ? "degraded" : "up") : "down");
    std::string list = "[";
    for (int i = 0; i < 3; ++i) {
      list += std::string(i ? "," : "") + "{\"ok\": " + (i < failed ? "false" : "true") + "}";
    }
    pqxx::nontransaction tx(*connection_);
    tx.exec("UPDATE reports SET attempts = " + tx.quote(list + "]") +
            "::jsonb, attempts_failed = " + std::to_string(failed) + ", attempt_median_ms = " +
            std::to_string(median) + " WHERE url = " + tx.quote(url) + " AND attempts IS NULL");
  };
  period("http://flaky/", 30, 1, 10);
  period("http://flaky/", 20, 2, 20);
  period("http://flaky/", 10, 0, 30);
  period("http://flaky/", 5, 3, 40);
  period("http://steady/", 10, 0, 5);
  period("http://flaky/", 60 * 48, 3, 99);  // outside the default window
  probe("http://single/", 5, false, 1);     // one attempt per period: not listed
  const auto rows = runReport("flaky.sql");
  ASSERT_EQ(rows.size(), 2u);
  // 4 periods: 2 flaky, 1 down; 12 attempts, 6 failed; median of the medians 25
  EXPECT_EQ(fields(rows[0]), (std::vector<std::string>{"http://flaky/", "4", "2", "1", "12", "6",
                                                       "50.000", "25.000"}));
  EXPECT_EQ(fields(rows[1]), (std::vector<std::string>{"http://steady/", "1", "0", "0", "3", "0",
                                                       "0.000", "5.000"}));
}

TEST_F(SqlReportsTest, CertsExpiringListsEachUrlsLatestCertificateWithinTheWindow) {
  auto seen = [&](const std::string& url, double minutes_ago, const std::string& expires) {
    probe(url, minutes_ago, true, 5);
    pqxx::nontransaction tx(*connection_);
    tx.exec("UPDATE reports SET cert_expires_at = now() + interval '" + expires +
            "' WHERE url = " + tx.quote(url) + " AND cert_expires_at IS NULL");
  };
  seen("https://renewed/", 60, "3 days");  // the old certificate...
  seen("https://renewed/", 5, "90 days");  // ...was renewed: not listed
  seen("https://soon/", 5, "10 days 1 hour");
  seen("https://expired/", 5, "-2 days -1 hour");
  seen("https://later/", 5, "20 days");
  probe("http://plain/", 5, true, 5);  // no certificate
  const auto rows = runReport("certs_expiring.sql");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(fields(rows[0])[0], "https://expired/");
  EXPECT_EQ(fields(rows[0])[2], "-3");  // floor: expired 2 days and an hour ago
  EXPECT_EQ(fields(rows[1])[0], "https://soon/");
  EXPECT_EQ(fields(rows[1])[2], "10");
  EXPECT_EQ(runReport("certs_expiring.sql", "-v days=30").size(), 3u);  // + later
}

}  // namespace
}  // namespace webmon
