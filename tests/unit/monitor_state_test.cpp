// The alert state machine walked by hand: when an incident opens and closes, what its cause
// is, and that a late report changes nothing.

#include "consumer/alerts/monitor_state.h"

#include <gtest/gtest.h>

namespace webmon::consumer::alerts {
namespace {

using common::ProbeReport;

common::SystemTime at(int second) {
  return *common::parseRfc3339("2026-12-01T10:00:00Z") + std::chrono::seconds(second);
}

ProbeReport up(int second) {
  ProbeReport report;
  report.url = "https://example.test/";
  report.checked_at = at(second);
  report.ok = true;
  return report;
}

ProbeReport degraded(int second) {
  auto report = up(second);
  report.degraded = true;
  return report;
}

ProbeReport down(int second, common::ErrorKind kind = common::ErrorKind::Connect,
                 const std::string& message = "connection refused") {
  auto report = up(second);
  report.ok = false;
  report.error = common::ProbeError{kind, message};
  return report;
}

TEST(MonitorState, OpensAfterConfirmDownFailuresInARowAndClosesAfterConfirmUp) {
  MonitorState state;
  const common::AlertRules rules{2, 1, {}};
  EXPECT_EQ(applyProbe(state, up(0), rules), Transition::None);
  EXPECT_EQ(state.status, MonitorStatus::Up);
  EXPECT_EQ(applyProbe(state, down(60), rules), Transition::None);
  EXPECT_EQ(state.status, MonitorStatus::Down);
  EXPECT_EQ(state.since, at(60));
  EXPECT_EQ(applyProbe(state, down(120, common::ErrorKind::Timeout, "later"), rules),
            Transition::Opened);
  state.open_incident_id = 7;  // as the tracker does
  // The cause is the first failure of the run, not the one that confirmed it.
  EXPECT_EQ(state.run_started_at, at(60));
  EXPECT_EQ(state.run_error_kind, "connect");
  EXPECT_EQ(state.run_error, "connection refused");
  EXPECT_EQ(applyProbe(state, down(180), rules), Transition::StillDown);
  EXPECT_EQ(state.failures_in_row, 3);
  EXPECT_EQ(applyProbe(state, up(240), rules), Transition::Closed);
  EXPECT_FALSE(state.open_incident_id);
  EXPECT_EQ(state.status, MonitorStatus::Up);
  EXPECT_EQ(state.since, at(240));
  EXPECT_EQ(applyProbe(state, up(300), rules), Transition::None);
}

TEST(MonitorState, OneFailureBetweenGoodProbesOpensNothing) {
  MonitorState state;
  const common::AlertRules rules{2, 1, {}};
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(applyProbe(state, i % 2 ? down(i * 60) : up(i * 60), rules), Transition::None) << i;
  }
  EXPECT_EQ(state.failures_in_row, 1);
}

TEST(MonitorState, DegradedIsNotDownItEndsARunAndCountsTowardsRecovery) {
  MonitorState state;
  const common::AlertRules rules{2, 2, {}};
  applyProbe(state, down(0), rules);
  EXPECT_EQ(applyProbe(state, degraded(60), rules), Transition::None);
  EXPECT_EQ(state.status, MonitorStatus::Degraded);
  EXPECT_EQ(applyProbe(state, down(120), rules), Transition::None);  // a new run of one
  EXPECT_EQ(applyProbe(state, down(180), rules), Transition::Opened);
  EXPECT_EQ(state.run_started_at, at(120));
  state.open_incident_id = 1;
  EXPECT_EQ(applyProbe(state, degraded(240), rules), Transition::None);   // one of two
  EXPECT_EQ(applyProbe(state, down(300), rules), Transition::StillDown);  // recovery starts over
  EXPECT_EQ(applyProbe(state, up(360), rules), Transition::None);
  EXPECT_EQ(applyProbe(state, degraded(420), rules), Transition::Closed);
}

TEST(MonitorState, AReportOlderThanTheNewestAppliedChangesNothing) {
  MonitorState state;
  const common::AlertRules rules{1, 1, {}};
  applyProbe(state, up(120), rules);
  const auto before = state.successes_in_row;
  EXPECT_EQ(applyProbe(state, down(60), rules), Transition::Ignored);
  EXPECT_EQ(applyProbe(state, down(120), rules), Transition::Ignored);  // the same moment
  EXPECT_EQ(state.status, MonitorStatus::Up);
  EXPECT_EQ(state.successes_in_row, before);
  EXPECT_EQ(applyProbe(state, down(180), rules), Transition::Opened);
}

TEST(MonitorState, ConfirmDownOfOneOpensOnTheFirstFailure) {
  MonitorState state;
  EXPECT_EQ(applyProbe(state, down(0), common::AlertRules{1, 1, {}}), Transition::Opened);
}

TEST(MonitorState, StatusNamesRoundTrip) {
  for (auto status :
       {MonitorStatus::Unknown, MonitorStatus::Up, MonitorStatus::Degraded, MonitorStatus::Down}) {
    EXPECT_EQ(monitorStatusFromName(monitorStatusName(status)), status);
  }
  EXPECT_EQ(monitorStatusFromName("bogus"), MonitorStatus::Unknown);
}

}  // namespace
}  // namespace webmon::consumer::alerts
