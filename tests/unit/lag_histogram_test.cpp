#include "producer/lag_histogram.h"

#include <gtest/gtest.h>

namespace webmon::producer {
namespace {

using std::chrono::microseconds;

TEST(LagHistogram, EmptyReportsZero) {
  LagHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.percentileMs(0.99), 0.0);
  EXPECT_EQ(histogram.maxMs(), 0.0);
}

TEST(LagHistogram, FinePercentilesAreExactToATenthOfAMillisecond) {
  LagHistogram histogram;
  // 1 ms, 2 ms, ..., 100 ms: the 50th sample is 50 ms, the 99th is 99 ms.
  for (int ms = 1; ms <= 100; ++ms) histogram.record(microseconds(ms * 1000 - 50));
  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_DOUBLE_EQ(histogram.percentileMs(0.50), 50.0);
  EXPECT_DOUBLE_EQ(histogram.percentileMs(0.99), 99.0);
  EXPECT_DOUBLE_EQ(histogram.maxMs(), 99.95);
  EXPECT_DOUBLE_EQ(histogram.percentileMs(1.0), 99.95);  // never above the max
}

TEST(LagHistogram, CoarseBucketsAndOverflow) {
  LagHistogram histogram;
  for (int i = 0; i < 98; ++i) histogram.record(microseconds(150));
  histogram.record(microseconds(2'345'000));   // 2.345 s: a 10 ms bucket
  histogram.record(microseconds(60'000'000));  // a minute: the overflow bucket
  EXPECT_DOUBLE_EQ(histogram.percentileMs(0.5), 0.2);
  EXPECT_DOUBLE_EQ(histogram.percentileMs(0.99), 2350.0);
  EXPECT_DOUBLE_EQ(histogram.percentileMs(1.0), 60'000.0);
  EXPECT_DOUBLE_EQ(histogram.maxMs(), 60'000.0);
}

TEST(LagHistogram, EarlyStartsCountAsNoLagAndResetClears) {
  LagHistogram histogram;
  histogram.record(microseconds(-5000));
  EXPECT_EQ(histogram.percentileMs(0.5), 0.0);
  histogram.reset();
  EXPECT_EQ(histogram.count(), 0u);
}

}  // namespace
}  // namespace webmon::producer
