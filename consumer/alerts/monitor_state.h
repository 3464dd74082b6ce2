#pragma once
// One URL's alert state and the rules that move it: a pure function of the probes applied in
// order, so the tests can walk it by hand and the tracker (incident_tracker.h) only loads and
// stores it.

#include <cstdint>
#include <optional>
#include <string>

#include "common/alerts_config.h"
#include "common/probe_report.h"
#include "consumer/alerts/flapping.h"

namespace webmon::consumer::alerts {

enum class MonitorStatus { Unknown, Up, Degraded, Down };
std::string_view monitorStatusName(MonitorStatus status);
MonitorStatus monitorStatusFromName(std::string_view name);  // Unknown for anything else

struct MonitorState {
  std::string url, name;
  MonitorStatus status = MonitorStatus::Unknown;
  common::SystemTime since{};                         // first probe in this status
  std::optional<common::SystemTime> last_checked_at;  // newest probe applied
  int failures_in_row = 0;
  int successes_in_row = 0;
  // The first failure of the current run of failures, which becomes an incident's cause.
  std::optional<common::SystemTime> run_started_at;
  std::string run_error_kind, run_error;
  std::optional<std::int64_t> open_incident_id;
  // Kept by the tracker beside the state: whether the URL flaps, and why its notifications
  // are held ("maintenance", "flapping"; empty: they are not).
  FlapState flap;
  std::string held;
};

enum class Transition {
  Ignored,    // older than a probe already applied (a late report): history only
  None,       // applied, no incident opened or closed
  Opened,     // confirm_down failures in a row: an incident opens
  StillDown,  // one more failure of the open incident
  Closed,     // confirm_up good probes in a row: the open incident closes
};

/// Applies one probe to `state` (url and name aside). `Opened` leaves open_incident_id unset
/// for the caller to fill in; `Closed` clears it.
Transition applyProbe(MonitorState& state, const common::ProbeReport& report,
                      const common::AlertRules& rules);

}  // namespace webmon::consumer::alerts
