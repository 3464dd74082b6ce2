#include "producer/probe_scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace webmon::producer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = ProbeScheduler::TimePoint;

TEST(ProbeScheduler, RunsEachTargetOnItsOwnPeriod) {
  ProbeScheduler scheduler;
  const TimePoint start{};
  scheduler.add(0, seconds(2), milliseconds(0), start);
  scheduler.add(1, seconds(3), milliseconds(0), start);
  std::vector<int> runs(2, 0);
  // Step a simulated clock through 12 s in 10 ms ticks.
  for (auto now = start; now <= start + seconds(12) - milliseconds(1); now += milliseconds(10)) {
    while (auto due = scheduler.popDue(now)) ++runs[due->target];
  }
  EXPECT_EQ(runs[0], 6);  // 0, 2, 4, 6, 8, 10
  EXPECT_EQ(runs[1], 4);  // 0, 3, 6, 9
  EXPECT_EQ(scheduler.skippedRuns(), 0u);
}

TEST(ProbeScheduler, NextRunFollowsThePlannedTimeSoLatenessDoesNotDrift) {
  ProbeScheduler scheduler;
  const TimePoint start{};
  scheduler.add(0, seconds(10), milliseconds(0), start);
  auto due = scheduler.popDue(start + milliseconds(300));  // we were 300 ms late
  ASSERT_TRUE(due);
  EXPECT_EQ(due->planned, start);
  EXPECT_EQ(scheduler.nextDue(), start + seconds(10));  // not 10.3 s
}

TEST(ProbeScheduler, SkipsAndCountsRunsMissedByMoreThanAPeriod) {
  ProbeScheduler scheduler;
  const TimePoint start{};
  scheduler.add(0, seconds(1), milliseconds(0), start);
  ASSERT_TRUE(scheduler.popDue(start + milliseconds(3500)));
  EXPECT_EQ(scheduler.skippedRuns(), 3u);  // 1 s, 2 s and 3 s were missed
  EXPECT_EQ(scheduler.nextDue(), start + seconds(4));
}

TEST(ProbeScheduler, NothingIsDueBeforeItsTime) {
  ProbeScheduler scheduler;
  const TimePoint start{};
  scheduler.add(0, seconds(5), milliseconds(1500), start);
  EXPECT_FALSE(scheduler.popDue(start + milliseconds(1499)));
  EXPECT_TRUE(scheduler.popDue(start + milliseconds(1500)));
}

TEST(ProbeScheduler, RemovedTargetIsNeverDueAgain) {
  ProbeScheduler scheduler;
  const TimePoint start{};
  scheduler.add(0, seconds(1), milliseconds(0), start);
  scheduler.add(1, seconds(1), milliseconds(500), start);
  scheduler.remove(0);
  EXPECT_EQ(scheduler.size(), 1u);
  EXPECT_FALSE(scheduler.contains(0));
  std::vector<int> runs(2, 0);
  for (auto now = start; now < start + seconds(5); now += milliseconds(10)) {
    while (auto due = scheduler.popDue(now)) ++runs[due->target];
  }
  EXPECT_EQ(runs[0], 0);
  EXPECT_EQ(runs[1], 5);  // 0.5, 1.5, 2.5, 3.5, 4.5
}

TEST(ProbeScheduler, RemovedAndAddedAgainRunsOnlyOnItsNewSchedule) {
  ProbeScheduler scheduler;
  const TimePoint start{};
  scheduler.add(0, seconds(1), milliseconds(0), start);
  scheduler.remove(0);
  scheduler.add(0, seconds(2), milliseconds(300), start);  // the stale entry must not fire
  std::vector<TimePoint> planned;
  for (auto now = start; now < start + seconds(5); now += milliseconds(10)) {
    while (auto due = scheduler.popDue(now)) planned.push_back(due->planned);
  }
  EXPECT_EQ(planned, (std::vector<TimePoint>{start + milliseconds(300), start + milliseconds(2300),
                                             start + milliseconds(4300)}));
}

TEST(ProbeScheduler, ShorterPeriodComesOneNewPeriodAfterTheLastRunWithoutBurstOrGap) {
  ProbeScheduler scheduler;
  const TimePoint start{};
  scheduler.add(0, seconds(10), milliseconds(0), start);
  ASSERT_TRUE(scheduler.popDue(start));  // ran at 0; next planned at 10 s
  scheduler.changePeriod(0, seconds(2), start + seconds(1));
  EXPECT_EQ(scheduler.nextDue(), start + seconds(2));  // last run + new period
  std::vector<TimePoint> planned;
  for (auto now = start + seconds(1); now < start + seconds(9); now += milliseconds(10)) {
    while (auto due = scheduler.popDue(now)) planned.push_back(due->planned);
  }
  EXPECT_EQ(planned, (std::vector<TimePoint>{start + seconds(2), start + seconds(4),
                                             start + seconds(6), start + seconds(8)}));
}

TEST(ProbeScheduler, PeriodShortenedPastTheNextRunRunsNowNotInThePast) {
  ProbeScheduler scheduler;
  const TimePoint start{};
  scheduler.add(0, seconds(60), milliseconds(0), start);
  ASSERT_TRUE(scheduler.popDue(start));
  scheduler.changePeriod(0, seconds(5), start + seconds(30));  // 0 + 5 s is long past
  EXPECT_EQ(scheduler.nextDue(), start + seconds(30));
  ASSERT_TRUE(scheduler.popDue(start + seconds(30)));
  EXPECT_EQ(scheduler.nextDue(), start + seconds(35));
  EXPECT_EQ(scheduler.skippedRuns(), 0u);
}

TEST(ProbeScheduler, LongerPeriodPostponesTheNextRun) {
  ProbeScheduler scheduler;
  const TimePoint start{};
  scheduler.add(0, seconds(2), milliseconds(0), start);
  ASSERT_TRUE(scheduler.popDue(start));
  scheduler.changePeriod(0, seconds(30), start + seconds(1));
  EXPECT_FALSE(scheduler.popDue(start + seconds(29)));  // the old 2 s entry is stale
  EXPECT_TRUE(scheduler.popDue(start + seconds(30)));
}

// 10,000 URLs must not fire at once: first runs spread over the first period.
TEST(SpreadOffset, SpreadsTenThousandUrlsEvenlyOverThePeriod) {
  const auto period = seconds(60);
  std::vector<int> per_second(60, 0);
  for (int i = 0; i < 10000; ++i) {
    const auto offset = spreadOffset("http://host-" + std::to_string(i) + ".test/health", period);
    ASSERT_GE(offset.count(), 0);
    ASSERT_LT(offset, period);
    ++per_second[static_cast<std::size_t>(offset.count() / 1000)];
  }
  // An even spread is ~167 per second; allow generous noise but forbid bursts.
  EXPECT_LT(*std::max_element(per_second.begin(), per_second.end()), 260);
  EXPECT_GT(*std::min_element(per_second.begin(), per_second.end()), 90);
}

// A producer restarted at any moment probes each URL at the same phase as before.
TEST(FirstRunDelay, KeepsTheUrlsPhaseWhateverTheStartTime) {
  const milliseconds period = seconds(60);
  const auto phase = spreadOffset("http://a/", period);
  for (long long start_ms : {0LL, 1LL, 59'999LL, 1'700'000'000'123LL, 1'700'000'031'999LL}) {
    const auto now = milliseconds(start_ms);
    const auto delay = firstRunDelay("http://a/", period, now);
    ASSERT_GE(delay.count(), 0);
    ASSERT_LT(delay, period);
    EXPECT_EQ((now + delay).count() % period.count(), phase.count()) << start_ms;
  }
}

// The phase is a contract, not a detail: a restarted producer, a newer build, and (issue 15)
// other producers sharing a target must all put a URL's runs at the same offset. It is FNV-1a
// (64-bit) of the URL's bytes modulo the period in ms; the expected values were computed
// apart from this code (python3: h = 14695981039346656037; per byte h ^= b;
// h = h * 1099511628211 % 2**64). std::hash, say, would fail here.
TEST(SpreadOffset, IsTheDocumentedHashSoEveryBuildAgreesOnTheUrlsPhase) {
  EXPECT_EQ(spreadOffset("http://a/", seconds(60)), milliseconds(35331));
  EXPECT_EQ(spreadOffset("https://example.test/health", seconds(30)), milliseconds(20105));
  EXPECT_EQ(spreadOffset(std::string("http://") + "a/", seconds(1)), milliseconds(331));
}

}  // namespace
}  // namespace webmon::producer
