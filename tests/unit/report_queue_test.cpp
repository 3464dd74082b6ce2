#include "producer/report_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace webmon::producer {
namespace {

std::vector<std::string> payloads(const std::vector<QueuedReport>& reports) {
  std::vector<std::string> out;
  for (const auto& r : reports) out.push_back(r.payload);
  return out;
}

TEST(ReportQueue, DropsTheOldestWhenFullAndCountsEachDrop) {
  ReportQueue queue(3);
  for (int i = 1; i <= 5; ++i) queue.push({"k", std::to_string(i)});
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.dropped(), 2u);
  EXPECT_EQ(payloads(queue.popBatch(10, std::chrono::milliseconds(0))),
            (std::vector<std::string>{"3", "4", "5"}));
}

TEST(ReportQueue, RequeuedReportsGoBackInFrontInTheirOrder) {
  ReportQueue queue(10);
  queue.push({"k", "new"});
  std::vector<QueuedReport> failed{{"k", "old1"}, {"k", "old2"}};
  queue.requeueFront(std::move(failed));
  EXPECT_EQ(payloads(queue.popBatch(10, std::chrono::milliseconds(0))),
            (std::vector<std::string>{"old1", "old2", "new"}));
}

TEST(ReportQueue, RequeueBeyondTheLimitDropsTheOldest) {
  ReportQueue queue(2);
  queue.push({"k", "new"});
  std::vector<QueuedReport> failed{{"k", "old1"}, {"k", "old2"}};
  queue.requeueFront(std::move(failed));
  EXPECT_EQ(queue.dropped(), 1u);
  EXPECT_EQ(payloads(queue.popBatch(10, std::chrono::milliseconds(0))),
            (std::vector<std::string>{"old2", "new"}));
}

TEST(ReportQueue, PopBatchHonoursItsMaximum) {
  ReportQueue queue(10);
  for (int i = 0; i < 5; ++i) queue.push({"k", std::to_string(i)});
  EXPECT_EQ(queue.popBatch(2, std::chrono::milliseconds(0)).size(), 2u);
  EXPECT_EQ(queue.size(), 3u);
}

TEST(ReportQueue, PopBatchWakesWhenAReportArrives) {
  ReportQueue queue(10);
  std::thread pusher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    queue.push({"k", "late"});
  });
  // It must wake for the report, not sleep out its timeout and find it then: 30 s against a
  // report after 50 ms leaves any loaded machine room, and a popBatch that only waited fails.
  const auto asked = std::chrono::steady_clock::now();
  const auto batch = queue.popBatch(10, std::chrono::seconds(30));
  const auto waited = std::chrono::steady_clock::now() - asked;
  pusher.join();
  EXPECT_EQ(payloads(batch), (std::vector<std::string>{"late"}));
  EXPECT_LT(waited, std::chrono::seconds(15));
}

}  // namespace
}  // namespace webmon::producer
