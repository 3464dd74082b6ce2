#include "consumer/alerts/monitor_state.h"

#include <algorithm>
#include <array>

namespace webmon::consumer::alerts {
namespace {

// Runs longer than this are counted as this long: enough for any confirm_* and no overflow.
constexpr int kLongestRun = 1'000'000;

constexpr std::array<std::string_view, 4> kNames = {"unknown", "up", "degraded", "down"};

MonitorStatus statusOf(const common::ProbeReport& report) {
  switch (report.status()) {
    case common::ProbeStatus::Up:
      return MonitorStatus::Up;
    case common::ProbeStatus::Degraded:
      return MonitorStatus::Degraded;
    case common::ProbeStatus::Down:
      return MonitorStatus::Down;
  }
  return MonitorStatus::Unknown;
}

}  // namespace

std::string_view monitorStatusName(MonitorStatus status) {
  return kNames[static_cast<std::size_t>(status)];
}

MonitorStatus monitorStatusFromName(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<MonitorStatus>(i);
  }
  return MonitorStatus::Unknown;
}

Transition applyProbe(MonitorState& state, const common::ProbeReport& report,
                      const common::AlertRules& rules) {
  if (state.last_checked_at && report.checked_at <= *state.last_checked_at) {
    return Transition::Ignored;
  }
  state.last_checked_at = report.checked_at;
  const MonitorStatus status = statusOf(report);
  if (status != state.status) {
    state.status = status;
    state.since = report.checked_at;
  }
  if (status == MonitorStatus::Down) {
    // A degraded probe answered: it is slow, not down, so it neither opens nor extends a run.
    state.successes_in_row = 0;
    if (state.failures_in_row == 0) {
      state.run_started_at = report.checked_at;
      state.run_error_kind =
          report.error ? std::string(common::errorKindName(report.error->kind)) : "down";
      state.run_error = report.error ? report.error->message : "";
    }
    state.failures_in_row = std::min(state.failures_in_row + 1, kLongestRun);
    if (state.open_incident_id) return Transition::StillDown;
    return state.failures_in_row >= rules.confirm_down ? Transition::Opened : Transition::None;
  }
  state.failures_in_row = 0;
  state.run_started_at.reset();
  state.run_error_kind.clear();
  state.run_error.clear();
  state.successes_in_row = std::min(state.successes_in_row + 1, kLongestRun);
  if (state.open_incident_id && state.successes_in_row >= rules.confirm_up) {
    state.open_incident_id.reset();
    return Transition::Closed;
  }
  return Transition::None;
}

}  // namespace webmon::consumer::alerts
