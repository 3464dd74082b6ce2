// sql/import/web_monitoring.sql, run with psql -f as an operator would, on a table shaped as
// web-monitor's install/init_monitoring_db.sql creates it, with known rows: every row moved
// once, mapped as the README says, the rollups counting each once, and a second run moving
// nothing.

#include <gtest/gtest.h>

#include <pqxx/nontransaction>
#include <sstream>

#include "tests/support/rollups_check.h"
#include "tests/support/writer_fixture.h"

#ifndef WEBMON_SOURCE_DIR
#error "WEBMON_SOURCE_DIR must be defined by the build"
#endif

namespace webmon::consumer {
namespace {

using testing::count;

class WebMonitorImportTest : public testing::WriterFixture {
 protected:
  void SetUp() override {
    WriterFixture::SetUp();
    if (IsSkipped()) return;
    exec(
        "CREATE TABLE web_monitoring (id bigserial, topic text, url text, event_date timestamp, "
        "is_fine boolean, transport text, response_code smallint, response_time real, "
        "regexp text, regexp_found boolean, timeout real, period real, date_created timestamp)");
  }
  void exec(const std::string& sql) {
    pqxx::nontransaction tx(*check_);
    tx.exec(sql);
  }
  // `n` rows `minutes_apart` back from now (UTC, as web-monitor wrote event_date).
  void addRows(const std::string& url, const std::string& transport, bool is_fine,
               const std::string& code, const std::string& seconds, int n, int minutes_apart,
               int days_ago = 0, const std::string& regexp_found = "NULL") {
    exec(
        "INSERT INTO web_monitoring (topic, url, event_date, is_fine, transport, response_code, "
        "response_time, regexp, regexp_found, timeout, period, date_created) "
        "SELECT 'web', '" +
        url + "', (now() AT TIME ZONE 'UTC') - " + std::to_string(days_ago) +
        " * interval '1 day' - i * interval '" + std::to_string(minutes_apart) + " minutes', " +
        (is_fine ? "true" : "false") + ", '" + transport + "', " + code + ", " + seconds +
        ", 'ready', " + regexp_found + ", 10, 60, now() FROM generate_series(1, " +
        std::to_string(n) + ") AS i");
  }
  std::string runImport(int keep_days) {
    const auto config = db_->config();
    std::ostringstream command;
    command << "PGPASSWORD=webmon psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -v keep_days="
            << keep_days << " -h 127.0.0.1 -p " << config.port << " -U webmon -d " << config.db_name
            << " -f " << WEBMON_SOURCE_DIR << "/sql/import/web_monitoring.sql 2>&1";
    const auto result = testing::runCommand(command.str());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  }
  long long rollupsVsRaw() { return count(*check_, testing::rollupsVsRawSql()); }
};

TEST_F(WebMonitorImportTest, EveryRowMovesOnceMappedAndRolledUp) {
  addRows("https://a.test/", "connected", true, "200", "0.25", 100, 3);
  addRows("https://a.test/", "conn_timeout", false, "NULL", "NULL", 7, 11);
  addRows("https://b.test/", "conn_error", false, "NULL", "NULL", 5, 13);
  addRows("https://b.test/", "connected", false, "503", "0.5", 4, 17);
  addRows("https://b.test/", "connected", false, "200", "0.125", 3, 19, 0, "false");
  exec("INSERT INTO web_monitoring (url, event_date) VALUES ('https://broken.test/', now())");

  EXPECT_EQ(runImport(0), "119|0|0|1\n");  // moved now, rolled up only, before, not moved
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 119);
  EXPECT_EQ(count(*check_,
                  "SELECT count(*) FROM reports WHERE url = 'https://a.test/' AND "
                  "status = 'up' AND http_status = 200 AND response_time_ms = 250 AND "
                  "producer_id = 'web-monitor' AND kafka_topic = 'web_monitoring'"),
            100);
  const auto downWith = [&](const std::string& error_kind) {
    return count(*check_,
                 "SELECT count(*) FROM reports WHERE NOT ok AND status = 'down' AND "
                 "error_kind = '" +
                     error_kind + "'");
  };
  EXPECT_EQ(downWith("timeout"), 7);
  EXPECT_EQ(downWith("connect"), 5);
  EXPECT_EQ(downWith("http"), 4);
  EXPECT_EQ(downWith("regexp"), 3);
  // The times are those web-monitor wrote, in UTC.
  EXPECT_EQ(count(*check_,
                  "SELECT count(*) FROM reports r JOIN web_monitoring w ON w.id = r.kafka_offset "
                  "WHERE r.checked_at = w.event_date AT TIME ZONE 'UTC'"),
            119);
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_hourly"), 119);
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_daily"), 119);
  EXPECT_EQ(rollupsVsRaw(), 0);

  // Again, with more rows since: only those move.
  addRows("https://a.test/", "connected", true, "200", "0.25", 10, 1);
  EXPECT_EQ(runImport(0), "10|0|119|1\n");
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 129);
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_hourly"), 129);
  EXPECT_EQ(rollupsVsRaw(), 0);
}

TEST_F(WebMonitorImportTest, RowsOlderThanTheRetentionAreRolledUpButNotStored) {
  addRows("https://a.test/", "connected", true, "200", "0.25", 20, 30);        // today
  addRows("https://a.test/", "conn_error", false, "NULL", "NULL", 6, 30, 40);  // 40 days ago
  EXPECT_EQ(runImport(30), "26|6|0|0\n");
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 20);
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_daily"), 26);
  EXPECT_EQ(count(*check_, "SELECT sum(down) FROM reports_daily WHERE day < current_date - 30"), 6);
  EXPECT_EQ(runImport(30), "0|0|26|0\n");
  EXPECT_EQ(count(*check_, "SELECT sum(probes) FROM reports_hourly"), 26);
}

}  // namespace
}  // namespace webmon::consumer
