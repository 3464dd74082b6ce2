#include "common/backoff.h"

#include <gtest/gtest.h>

namespace webmon::common {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheCapWithoutJitter) {
  Backoff backoff(milliseconds(100), milliseconds(1000), 2.0, 0.0);
  std::vector<long long> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(backoff.next().count());
  EXPECT_EQ(delays, (std::vector<long long>{100, 200, 400, 800, 1000, 1000, 1000}));
  EXPECT_EQ(backoff.attempts(), 7);
}

TEST(Backoff, ResetStartsOver) {
  Backoff backoff(milliseconds(100), milliseconds(1000), 2.0, 0.0);
  backoff.next();
  backoff.next();
  backoff.reset();
  EXPECT_EQ(backoff.attempts(), 0);
  EXPECT_EQ(backoff.next(), milliseconds(100));
}

TEST(Backoff, JitterOnlyShortensAndStaysWithinItsShare) {
  double next_random = 0.999;
  Backoff backoff(milliseconds(1000), milliseconds(1000), 2.0, 0.25, [&] { return next_random; });
  EXPECT_EQ(backoff.next(), milliseconds(750));  // 1000 * (1 - 0.25 * 0.999), rounded
  next_random = 0.0;
  EXPECT_EQ(backoff.next(), milliseconds(1000));
}

TEST(Backoff, NeverReturnsZeroSoItCannotBecomeABusyLoop) {
  Backoff backoff(milliseconds(0), milliseconds(0), 2.0, 1.0, [] { return 0.9999; });
  for (int i = 0; i < 5; ++i) EXPECT_GE(backoff.next().count(), 1);
}

// 100,000 attempts at 2x: an uncapped delay would be 2^100000 ms, far past any integer or
// double. It must stay at the cap, count every attempt, and jitter the capped delay (jitter
// applied before the cap would be swallowed by it).
TEST(Backoff, AfterDaysOfRetryingItStaysAtTheCapCountsAndStillJitters) {
  double next_random = 0.0;
  Backoff backoff(milliseconds(1), milliseconds(30000), 2.0, 0.5, [&] { return next_random; });
  for (int i = 0; i < 100000; ++i) backoff.next();
  EXPECT_EQ(backoff.attempts(), 100000);
  EXPECT_EQ(backoff.next(), milliseconds(30000));
  next_random = 1.0;
  EXPECT_EQ(backoff.next(), milliseconds(15000));
  EXPECT_EQ(backoff.attempts(), 100002);
}

}  // namespace
}  // namespace webmon::common
