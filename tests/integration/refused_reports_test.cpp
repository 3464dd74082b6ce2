// Reports PostgreSQL refuses for their data, against a real (throwaway) PostgreSQL: a
// constraint the decoder does not know (added by the test), a value a trigger cannot take, a
// URL too long for the url index. Each is set aside in rejected_reports with PostgreSQL's
// message, everything else in the batch is stored, once, and the next batch is not held up.

#include <gtest/gtest.h>

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <random>

#include "consumer/migrations.h"
#include "consumer/report_writer.h"
#include "tests/support/writer_fixture.h"

namespace webmon::consumer {
namespace {

ReportRecord record(const std::string& url, std::int64_t offset, int http_status = 200) {
  ReportRecord r;
  r.report.id = common::newReportId();
  r.report.url = url;
  r.report.name = "n";
  r.report.checked_at = *common::parseRfc3339("2026-11-24T10:00:00.250Z");
  r.report.ok = true;
  r.report.http_status = http_status;
  r.report.response_time_ms = 4.25;
  r.report.producer_id = "p1";
  r.position = {"reports", 0, offset};
  return r;
}

// Random letters and digits: nothing for PostgreSQL's compression to squeeze, so the index
// entry is as long as the text.
std::string incompressibleUrl(std::size_t length) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::mt19937 random(42);
  std::string url = "http://127.0.0.1/";
  while (url.size() < length) url += kAlphabet[random() % kAlphabet.size()];
  return url;
}

using testing::count;

class RefusedReportsTest : public testing::WriterFixture {
 protected:
  void exec(const std::string& sql) {
    pqxx::nontransaction tx(*check_);
    tx.exec(sql);
  }
  std::string reasonAt(std::int64_t offset) {
    pqxx::nontransaction tx(*check_);
    const auto rows = tx.exec("SELECT reason FROM rejected_reports WHERE kafka_offset = " +
                              std::to_string(offset));
    return rows.empty() ? "" : rows[0][0].as<std::string>();
  }
};

TEST_F(RefusedReportsTest, EachRefusedReportIsSetAsideAndTheRestOfTheBatchStoredOnce) {
  // A constraint (class 23), a value a trigger refuses (class 22), an index limit (class 54).
  exec("ALTER TABLE reports ADD CONSTRAINT test_no_teapots CHECK (http_status <> 418)");
  exec(
      "CREATE FUNCTION test_refuse_value() RETURNS trigger AS $$ BEGIN "
      "IF NEW.url = 'http://127.0.0.1/bad-value' THEN "
      "RAISE EXCEPTION 'value out of range for the test' USING ERRCODE = '22003'; END IF; "
      "RETURN NEW; END $$ LANGUAGE plpgsql");
  exec(
      "CREATE TRIGGER test_refuse_value BEFORE INSERT ON reports FOR EACH ROW EXECUTE FUNCTION "
      "test_refuse_value()");
  DecodedBatch batch;
  for (int i = 0; i < 1000; ++i) batch.reports.push_back(record("http://127.0.0.1/ok", i));
  batch.reports[3] = record("http://127.0.0.1/ok", 3, 418);
  batch.reports[500] = record("http://127.0.0.1/bad-value", 500);
  batch.reports[999] = record(incompressibleUrl(3000), 999);
  batch.rejected.push_back({{"reports", 0, 1000}, "junk", "not valid JSON"});

  const auto first = writer_->write(batch);
  EXPECT_EQ(first.inserted, 997u);
  EXPECT_EQ(first.duplicates, 0u);
  EXPECT_EQ(first.rejected, 4u);  // the three refused and the one the decoder rejected
  ASSERT_EQ(first.refused.size(), 3u);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 997);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports WHERE kafka_offset IN (3, 500, 999)"), 0);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM rejected_reports"), 4);
  EXPECT_NE(reasonAt(3).find("SQLSTATE 23514"), std::string::npos) << reasonAt(3);
  EXPECT_NE(reasonAt(3).find("test_no_teapots"), std::string::npos) << reasonAt(3);
  EXPECT_NE(reasonAt(500).find("SQLSTATE 22003"), std::string::npos) << reasonAt(500);
  EXPECT_NE(reasonAt(500).find("value out of range for the test"), std::string::npos);
  EXPECT_NE(reasonAt(999).find("SQLSTATE 54000"), std::string::npos) << reasonAt(999);
  EXPECT_NE(reasonAt(999).find("index row size"), std::string::npos) << reasonAt(999);
  // The refused report is kept as it would be on the topic, to be replayed once fixed.
  EXPECT_EQ(count(*check_,
                  "SELECT count(*) FROM rejected_reports WHERE kafka_offset = 3 AND "
                  "convert_from(raw, 'UTF8')::jsonb->>'http_status' = '418'"),
            1);

  // Read again (a redelivery): the stored offset has moved past the batch, so nothing of it
  // is written or set aside again, the refused reports included.
  const auto again = writer_->write(batch);
  EXPECT_EQ(again.inserted, 0u);
  EXPECT_EQ(again.duplicates, 0u);
  EXPECT_EQ(again.rejected, 0u);
  EXPECT_TRUE(again.refused.empty());
  EXPECT_EQ(again.not_stored, 1001u);
  ASSERT_EQ(again.mismatched.size(), 1u);
  EXPECT_EQ(again.mismatched[0].stored_next, 1001);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 997);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM rejected_reports"), 4);

  // The next batch goes in whole, in the fast path (its staging table starts empty).
  DecodedBatch next;
  for (int i = 1001; i < 1101; ++i) next.reports.push_back(record("http://127.0.0.1/ok", i));
  const auto third = writer_->write(next);
  EXPECT_EQ(third.inserted, 100u);
  EXPECT_EQ(third.duplicates, 0u);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 1097);
}

// A report of the longest URL the decoder and the config allow fits the url index: the bound
// is what the schema can hold.
TEST_F(RefusedReportsTest, TheLongestUrlAReportMayCarryIsStored) {
  const auto url = incompressibleUrl(common::kMaxUrlLength);
  auto decoded = common::decodeReport(common::encodeReport(record(url, 0).report));
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  auto longer = record(url + "x", 1);
  EXPECT_FALSE(common::decodeReport(common::encodeReport(longer.report)).report);

  DecodedBatch batch;
  batch.reports.push_back(record(url, 0));
  batch.reports.front().report = *decoded.report;
  const auto result = writer_->write(batch);
  EXPECT_EQ(result.inserted, 1u);
  EXPECT_TRUE(result.refused.empty());
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports WHERE length(url) = " +
                               std::to_string(common::kMaxUrlLength)),
            1);
}

// Refusals other than the data's are the database's: the batch is retried whole, never split
// (the fault tests show it stored once the cause is gone).
TEST_F(RefusedReportsTest, AnErrorThatIsNotTheDatasFailsTheWholeBatch) {
  exec(
      "CREATE FUNCTION test_fail() RETURNS trigger AS $$ BEGIN "
      "RAISE EXCEPTION 'out of disk, say' USING ERRCODE = '53100'; END $$ LANGUAGE plpgsql");
  exec(
      "CREATE TRIGGER test_fail BEFORE INSERT ON reports FOR EACH ROW EXECUTE FUNCTION "
      "test_fail()");
  DecodedBatch batch;
  for (int i = 0; i < 10; ++i) batch.reports.push_back(record("http://127.0.0.1/ok", i));
  EXPECT_THROW(writer_->write(batch), WriteFailed);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM reports"), 0);
  EXPECT_EQ(count(*check_, "SELECT count(*) FROM rejected_reports"), 0);
}

}  // namespace
}  // namespace webmon::consumer
