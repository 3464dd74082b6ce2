// The ready-made queries in sql/reports/, run with psql -f exactly as an operator would, on
// rows whose answers we know.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <random>
#include <sstream>

#include "consumer/report_writer.h"
#include "consumer/rollups.h"
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
    writer_ = std::make_unique<consumer::ReportWriter>(db_->config());
    writer_->migrate();
    connection_ = std::make_unique<pqxx::connection>(db_->connectionString());
  }

  // Stores a probe `minutes_ago` minutes back through the consumer's writer (so the rollups
  // count it too); status "" means up or down as `ok` says. `timings` lists dns, connect, tls
  // and first-byte ms, NULL for a phase not reached.
  void probe(const std::string& url, double minutes_ago, bool ok, double ms,
             const std::string& status = "", const std::string& timings = "NULL, NULL, NULL, NULL",
             const std::string& region = "") {
    consumer::ReportRecord record;
    auto& r = record.report;
    r.id = common::newReportId();
    r.url = url;
    r.name = url;
    r.checked_at = std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now() -
        std::chrono::milliseconds(static_cast<long long>(minutes_ago * 60'000)));
    r.ok = ok;
    r.degraded = status == "degraded";
    if (ok) r.http_status = 200;
    if (!ok) r.error = common::ProbeError{common::ErrorKind::Timeout, "timed out"};
    r.response_time_ms = ms;
    std::istringstream phases(timings);
    std::optional<double>* fields[] = {&r.timings.dns_ms, &r.timings.connect_ms, &r.timings.tls_ms,
                                       &r.timings.ttfb_ms};
    for (auto* field : fields) {
      std::string value;
      std::getline(phases, value, ',');
      value.erase(0, value.find_first_not_of(' '));
      if (value != "NULL") *field = std::stod(value);
    }
    r.producer_id = "p";
    if (!region.empty()) r.region = region;
    record.position = {"t", 0, next_offset_++};
    consumer::DecodedBatch batch;
    batch.reports.push_back(std::move(record));
    ASSERT_EQ(writer_->write(batch).inserted, 1u);
  }

  // Stores `n` probes of `urls` URLs spread evenly over the last `days` days (seeded, so the
  // same every run): statuses and latencies of every kind, in batches as the consumer writes.
  void history(int urls, int days, int n) {
    std::mt19937 random(17);
    const auto now = std::chrono::system_clock::now();
    consumer::DecodedBatch batch;
    for (int i = 0; i < n; ++i) {
      consumer::ReportRecord record;
      auto& r = record.report;
      r.id = common::newReportId();
      r.url = "http://127.0.0.1/" + std::to_string(random() % urls);
      r.name = r.url;
      r.checked_at = std::chrono::time_point_cast<std::chrono::milliseconds>(
          now - std::chrono::milliseconds(random() % (days * 86'400'000ll)));
      const auto kind = random() % 20;
      r.ok = kind < 18;
      r.degraded = kind >= 16 && kind < 18;
      if (r.ok) r.http_status = 200;
      if (!r.ok) r.error = common::ProbeError{common::ErrorKind::Connect, "refused"};
      r.response_time_ms = static_cast<double>(random() % 8'000) / 4.0;
      r.producer_id = "p";
      record.position = {"t", 0, next_offset_++};
      batch.reports.push_back(std::move(record));
      if (batch.reports.size() == 500 || i + 1 == n) {
        writer_->write(batch);
        batch.reports.clear();
      }
    }
  }

  // A query given as text through psql, formatted as runReport formats a file's rows.
  std::vector<std::string> runSql(const std::string& sql) {
    const auto path = "/tmp/webmon-sql-" + db_->name() + ".sql";
    std::ofstream(path) << sql;
    std::vector<std::string> lines;
    const auto config = db_->config();
    const auto result = testing::runCommand(
        "PGPASSWORD=webmon psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
        std::to_string(config.port) + " -U webmon -d " + config.db_name + " -f " + path + " 2>&1");
    std::remove(path.c_str());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    std::istringstream stream(result.output);
    for (std::string line; std::getline(stream, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
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
  std::unique_ptr<consumer::ReportWriter> writer_;
  std::unique_ptr<pqxx::connection> connection_;
  std::int64_t next_offset_ = 0;
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

TEST_F(SqlReportsTest, UptimeByRegionKeepsEachRegionApartWithItsSpreadFromTheBest) {
  const std::string none = "NULL, NULL, NULL, NULL";
  for (int i = 0; i < 4; ++i) probe("http://a/", 10 + i, true, 5, "", none, "eu-west");
  for (int i = 0; i < 4; ++i) probe("http://a/", 10 + i, i != 0, 5, "", none, "us-east");
  probe("http://a/", 10, true, 5, "degraded", none, "us-east");  // slow, but up
  probe("http://a/", 60 * 30, false, 5, "", none, "eu-west");    // outside the window
  probe("http://b/", 10, false, 5);                              // a producer without a region
  const auto rows = runReport("uptime_by_region.sql");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], "http://a/|us-east|5|4|1|80.000|20.000");
  EXPECT_EQ(rows[1], "http://a/|eu-west|4|4|0|100.000|0.000");
  EXPECT_EQ(rows[2], "http://b/|(none)|1|0|1|0.000|0.000");
  // Over two days eu-west's old failure counts too: a tie, then by region.
  const auto two_days = runReport("uptime_by_region.sql", "-v window='2 days'");
  ASSERT_EQ(two_days.size(), 3u);
  EXPECT_EQ(two_days[0], "http://a/|eu-west|5|4|1|80.000|0.000");
  EXPECT_EQ(two_days[1], "http://a/|us-east|5|4|1|80.000|0.000");
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

TEST_F(SqlReportsTest, IncidentsListsThoseOverlappingTheWindowWithDowntimeAndMttrPerUrl) {
  pqxx::nontransaction tx(*connection_);
  const auto incident = [&](const std::string& url, const std::string& opened,
                            const std::string& closed) {
    tx.exec(
        "INSERT INTO incidents (url, name, opened_at, closed_at, cause_kind, cause, "
        "failed_probes) VALUES (" +
        tx.quote(url) + "," + tx.quote(url) + ", now() - interval " + tx.quote(opened) + "," +
        (closed.empty() ? "NULL" : "now() - interval " + tx.quote(closed)) +
        ", 'connect', 'refused', 3)");
  };
  incident("http://a/", "2 hours", "1 hour 50 minutes");  // 10 minutes
  incident("http://a/", "1 hour", "40 minutes");          // 20 minutes
  incident("http://b/", "45 minutes", "");                // open
  incident("http://c/", "40 days", "39 days 23 hours");   // before the window
  incident("http://d/", "31 days", "29 days");            // half in it
  const auto rows = runReport("incidents.sql");
  ASSERT_EQ(rows.size(), 4u + 3u);
  // The incidents, oldest first: d, a, a, b.
  EXPECT_EQ(fields(rows[0])[1], "http://d/");
  EXPECT_EQ(fields(rows[0])[5], "2 days");
  EXPECT_EQ(fields(rows[1])[1], "http://a/");
  EXPECT_EQ(fields(rows[1])[5], "00:10:00");
  EXPECT_EQ(fields(rows[1])[6], "f");
  EXPECT_EQ(fields(rows[2])[5], "00:20:00");
  EXPECT_EQ(fields(rows[3])[1], "http://b/");
  EXPECT_EQ(fields(rows[3])[6], "t");
  EXPECT_EQ(fields(rows[3])[7], "connect");
  // Per URL, most downtime in the window first: d (the day inside it), b (45 minutes so
  // far), a (10 + 20 minutes, MTTR 15 minutes). c is outside the window.
  EXPECT_EQ(fields(rows[4])[0], "http://d/");
  EXPECT_EQ(fields(rows[4])[4], "2 days");
  EXPECT_EQ(fields(rows[5])[0], "http://b/");
  EXPECT_EQ(fields(rows[5])[2], "1");
  EXPECT_EQ(fields(rows[5]).size(), 4u);  // no MTTR: nothing closed
  EXPECT_EQ(fields(rows[6]),
            (std::vector<std::string>{"http://a/", "2", "0", "00:30:00", "00:15:00"}));
  // A longer window takes c in too.
  EXPECT_EQ(runReport("incidents.sql", "-v window='60 days'").size(), 5u + 4u);
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

// The same questions asked of the raw rows, over the same span (from the start of the UTC
// hour now() - window falls in).
const char* kRawUptime = R"(
SELECT url, count(*), count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok),
       round(100.0 * count(*) FILTER (WHERE ok) / count(*), 3), min(checked_at), max(checked_at)
FROM reports WHERE checked_at >= date_trunc('hour', now() - interval '%s', 'UTC')
GROUP BY url ORDER BY 5, url;)";
const char* kRawUptimeByStatus = R"(
SELECT url, count(*), count(*) FILTER (WHERE status = 'up'),
       count(*) FILTER (WHERE status = 'degraded'), count(*) FILTER (WHERE status = 'down'),
       round(100.0 * count(*) FILTER (WHERE status = 'up') / count(*), 3) AS u,
       round(100.0 * count(*) FILTER (WHERE status = 'degraded') / count(*), 3) AS g,
       round(100.0 * count(*) FILTER (WHERE status = 'down') / count(*), 3) AS d
FROM reports WHERE checked_at >= date_trunc('hour', now() - interval '%s', 'UTC')
GROUP BY url ORDER BY d DESC, g DESC, url;)";

std::string withWindow(const char* sql, const std::string& window) {
  std::string text = sql;
  text.replace(text.find("%s"), 2, window);
  return text;
}

TEST_F(SqlReportsTest, UptimeFromRollupsEqualsTheRawAnswerForAnyWindow) {
  history(5, 40, 12'000);
  for (const std::string window :
       {"1 hour", "5 hours", "24 hours", "1 day 7 hours", "7 days", "30 days", "45 days"}) {
    const auto rolled = runReport("uptime.sql", "-v window='" + window + "'");
    if (window.find("day") != std::string::npos) {
      EXPECT_EQ(rolled.size(), 5u) << window;  // every URL has probes in a day or more
    }
    EXPECT_EQ(rolled, runSql(withWindow(kRawUptime, window))) << window;
    EXPECT_EQ(runReport("uptime_by_status.sql", "-v window='" + window + "'"),
              runSql(withWindow(kRawUptimeByStatus, window)))
        << window;
  }
}

TEST_F(SqlReportsTest, LatencyDailyEstimatesWithinTheBucketAndCountsExactly) {
  history(3, 10, 6'000);
  const auto rows = runReport("latency_daily.sql", "-v days=5");
  const auto exact = runSql(R"(
SELECT url, (checked_at AT TIME ZONE 'UTC')::date AS day, count(*),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms),
       round((avg(response_time_ms))::numeric, 1), round(max(response_time_ms)::numeric, 1)
FROM reports
WHERE ok AND (checked_at AT TIME ZONE 'UTC')::date > (now() AT TIME ZONE 'UTC')::date - 5
GROUP BY 1, 2 ORDER BY 1, 2;)");
  ASSERT_EQ(rows.size(), exact.size());
  // Three URLs, today (which may have begun minutes ago) and the four days before.
  ASSERT_GE(rows.size(), 3u * 4);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto got = fields(rows[i]);
    const auto want = fields(exact[i]);
    EXPECT_EQ(got[0], want[0]);
    EXPECT_EQ(got[1], want[1]);
    EXPECT_EQ(got[2], want[2]);  // probes that were up or degraded
    EXPECT_EQ(got[6], want[4]);  // mean
    EXPECT_EQ(got[7], want[5]);  // max
    // The estimate lies in the bucket that holds the exact p95 (or on its bounds).
    const double estimate = std::stod(got[4]), p95 = std::stod(want[3]);
    const auto bucket = consumer::latencyBucket(p95);
    const double lower = bucket == 0 ? 0 : consumer::kLatencyBoundsMs[bucket - 1];
    const double upper = bucket < consumer::kLatencyBoundsMs.size()
                             ? consumer::kLatencyBoundsMs[bucket]
                             : consumer::kLatencyBoundsMs.back();
    EXPECT_GE(estimate, lower - 0.05) << rows[i];
    EXPECT_LE(estimate, upper + 0.05) << rows[i];
  }
}

TEST_F(SqlReportsTest, WorstHoursListsTheHoursWithMostDowntimeFirst) {
  // Half past the previous UTC hour, so the probes below share an hour whatever the time.
  const auto into_hour =
      std::chrono::system_clock::now().time_since_epoch() % std::chrono::hours(1);
  const double base = std::chrono::duration<double, std::ratio<60>>(into_hour).count() + 30;
  for (int i = 0; i < 3; ++i) probe("http://bad/", base + i * 0.1, false, 5);
  probe("http://bad/", base + 0.5, true, 5);
  probe("http://meh/", base + 1, false, 5);
  probe("http://meh/", base + 1.1, true, 900, "degraded");
  probe("http://fine/", base, true, 5);         // no downtime: not listed
  probe("http://old/", 60 * 24 * 9, false, 5);  // before the 7-day window
  const auto rows = runReport("worst_hours.sql");
  ASSERT_EQ(rows.size(), 2u);
  const auto bad = fields(rows[0]);
  EXPECT_EQ(bad[0], "http://bad/");
  EXPECT_EQ(bad[2], "4");
  EXPECT_EQ(bad[3], "3");
  EXPECT_EQ(bad[5], "25.000");
  const auto meh = fields(rows[1]);
  EXPECT_EQ(meh[0], "http://meh/");
  EXPECT_EQ(meh[3], "1");
  EXPECT_EQ(meh[4], "1");
  EXPECT_EQ(runReport("worst_hours.sql", "-v top=1").size(), 1u);
}

}  // namespace
}  // namespace webmon
