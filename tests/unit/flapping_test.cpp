// Flapping, walked by hand: more than N opens and closes within the window starts it once, and
// only a whole window without one ends it.

#include "consumer/alerts/flapping.h"

#include <gtest/gtest.h>

namespace webmon::consumer::alerts {
namespace {

using namespace std::chrono_literals;

common::SystemTime minute(int m) {
  return *common::parseRfc3339("2026-12-01T10:00:00Z") + std::chrono::minutes(m);
}

const common::FlappingRules kRules{3, 600s};  // more than 3 in 10 minutes

TEST(Flapping, MoreThanTheLimitWithinTheWindowStartsItOnce) {
  FlapState state;
  EXPECT_EQ(recordTransition(state, minute(0), kRules), FlapChange::None);
  EXPECT_EQ(recordTransition(state, minute(2), kRules), FlapChange::None);
  EXPECT_EQ(recordTransition(state, minute(4), kRules), FlapChange::None);
  EXPECT_FALSE(state.since);
  EXPECT_EQ(recordTransition(state, minute(6), kRules), FlapChange::Started);
  EXPECT_EQ(state.since, minute(6));
  EXPECT_EQ(recordTransition(state, minute(7), kRules), FlapChange::None);
  EXPECT_EQ(recordTransition(state, minute(8), kRules), FlapChange::None);
  EXPECT_LE(state.recent.size(), 4u);  // N + 1 kept, however long it flaps
}

TEST(Flapping, TransitionsSpreadWiderThanTheWindowAreNotFlapping) {
  FlapState state;
  for (int m = 0; m < 60; m += 4) {
    EXPECT_EQ(recordTransition(state, minute(m), kRules), FlapChange::None) << "minute " << m;
  }
  EXPECT_FALSE(state.since);
}

TEST(Flapping, OnlyAWholeQuietWindowEndsIt) {
  FlapState state;
  for (int m : {0, 1, 2, 3}) recordTransition(state, minute(m), kRules);
  ASSERT_TRUE(state.since);
  EXPECT_EQ(checkQuiet(state, minute(12), kRules), FlapChange::None);        // 9 min after the last
  EXPECT_EQ(recordTransition(state, minute(12), kRules), FlapChange::None);  // the clock restarts
  EXPECT_EQ(checkQuiet(state, minute(21), kRules), FlapChange::None);
  EXPECT_EQ(checkQuiet(state, minute(22), kRules), FlapChange::Ended);
  EXPECT_FALSE(state.since);
  EXPECT_TRUE(state.recent.empty());
  EXPECT_EQ(checkQuiet(state, minute(23), kRules), FlapChange::None);
  // And it can start again, once more.
  for (int m : {30, 31, 32})
    EXPECT_EQ(recordTransition(state, minute(m), kRules), FlapChange::None);
  EXPECT_EQ(recordTransition(state, minute(33), kRules), FlapChange::Started);
}

TEST(Flapping, OffMeansNeverAndTurningItOffEndsIt) {
  FlapState state;
  const common::FlappingRules off{0, 600s};
  for (int m = 0; m < 20; ++m) EXPECT_EQ(recordTransition(state, minute(m), off), FlapChange::None);
  for (int m : {0, 1, 2, 3}) recordTransition(state, minute(m), kRules);
  ASSERT_TRUE(state.since);
  EXPECT_EQ(checkQuiet(state, minute(4), off), FlapChange::Ended);
}

}  // namespace
}  // namespace webmon::consumer::alerts
