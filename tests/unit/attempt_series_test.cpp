#include "producer/attempt_series.h"

#include <gtest/gtest.h>

namespace webmon::producer {
namespace {

using std::chrono::milliseconds;
using TimePoint = AttemptSeries::TimePoint;

std::shared_ptr<const common::MonitoredUrl> urlWithAttempts(int attempts, milliseconds spacing) {
  auto url = std::make_shared<common::MonitoredUrl>();
  url->url = "http://127.0.0.1/";
  url->attempts = attempts;
  url->attempt_spacing = spacing;
  return url;
}

ProbeResult finished(const std::shared_ptr<const common::MonitoredUrl>& url, int attempt) {
  ProbeResult result;
  result.target = 7;
  result.url = url;
  result.attempt = attempt;
  return result;
}

TEST(AttemptSeries, PlansEachNextAttemptSpacingAfterThePreviousEndedAndHandsBackTheRun) {
  AttemptSeries series;
  const auto url = urlWithAttempts(3, milliseconds(500));
  const TimePoint t0{};
  std::vector<std::vector<ProbeResult>> complete;
  series.add(finished(url, 1), t0, complete);
  EXPECT_TRUE(complete.empty());
  EXPECT_EQ(series.nextDue(), t0 + milliseconds(500));
  EXPECT_FALSE(series.popDue(t0 + milliseconds(499)));
  const auto second = series.popDue(t0 + milliseconds(500));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->attempt, 2);
  EXPECT_EQ(second->target, 7u);
  EXPECT_EQ(second->url, url);
  EXPECT_FALSE(series.nextDue());  // in flight: nothing waits
  series.add(finished(url, 2), t0 + milliseconds(600), complete);
  EXPECT_EQ(series.nextDue(), t0 + milliseconds(1100));
  ASSERT_TRUE(series.popDue(t0 + milliseconds(1200)));
  series.add(finished(url, 3), t0 + milliseconds(1300), complete);
  ASSERT_EQ(complete.size(), 1u);
  ASSERT_EQ(complete[0].size(), 3u);
  EXPECT_EQ(complete[0][2].attempt, 3);
  EXPECT_EQ(series.unfinished(), 0u);
  EXPECT_FALSE(series.nextDue());
}

TEST(AttemptSeries, ANewFirstAttemptClosesAnUnfinishedRunAndStopTakesWhatIsLeft) {
  AttemptSeries series;
  const auto a = urlWithAttempts(3, milliseconds(100));
  const auto b = urlWithAttempts(2, milliseconds(100));
  std::vector<std::vector<ProbeResult>> complete;
  series.add(finished(a, 1), TimePoint{}, complete);
  series.add(finished(b, 1), TimePoint{}, complete);
  // The loop fell a whole period behind: a's next period began before its run ended.
  series.add(finished(a, 1), TimePoint{} + milliseconds(50), complete);
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].size(), 1u);
  EXPECT_EQ(series.unfinished(), 2u);
  const auto left = series.takeUnfinished();
  EXPECT_EQ(left.size(), 2u);
  EXPECT_EQ(series.unfinished(), 0u);
  EXPECT_FALSE(series.popDue(TimePoint{} + std::chrono::hours(1)));
}

}  // namespace
}  // namespace webmon::producer
