#include "consumer/decoded_batch.h"

#include <gtest/gtest.h>

namespace webmon::consumer {
namespace {

ConsumedMessage message(std::int64_t offset, std::string payload) {
  return {{"topic", 1, offset}, std::move(payload)};
}

std::string validReport() {
  common::ProbeReport report;
  report.id = common::newReportId();
  report.url = "http://a/";
  report.name = "a";
  report.ok = true;
  report.http_status = 200;
  report.producer_id = "p";
  return common::encodeReport(report);
}

TEST(DecodeBatch, EveryMessageLandsInExactlyOneListWithItsPosition) {
  const std::vector<ConsumedMessage> messages = {message(10, validReport()), message(11, "garbage"),
                                                 message(12, ""), message(13, validReport()),
                                                 message(14, "{\"id\": 1}")};
  const auto batch = decodeBatch(messages);
  ASSERT_EQ(batch.reports.size(), 2u);
  ASSERT_EQ(batch.rejected.size(), 3u);
  EXPECT_EQ(batch.reports[0].position.offset, 10);
  EXPECT_EQ(batch.reports[1].position.offset, 13);
  EXPECT_EQ(batch.rejected[0].position.offset, 11);
  EXPECT_EQ(batch.rejected[0].raw, "garbage");
  EXPECT_EQ(batch.rejected[1].reason, "empty message");
  EXPECT_EQ(batch.rejected[2].position.partition, 1);
}

}  // namespace
}  // namespace webmon::consumer
