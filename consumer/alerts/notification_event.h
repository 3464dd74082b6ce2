#pragma once
// The facts of a notification, fixed when the transition is stored (the outbox row's `event`):
// every delivery attempt, and every receiver, sends the same thing. The payloads
// (notification_payloads.h) are made from it at delivery.

#include <nlohmann/json.hpp>

#include "common/probe_report.h"
#include "consumer/alerts/monitor_state.h"

namespace webmon::consumer::alerts {

/// The probe that opened the incident; `state` after it (the run's first failure is the cause).
nlohmann::json firingEvent(const common::ProbeReport& report, MonitorStatus previous,
                           const MonitorState& state);
/// The incident closed at `closed_at` (the probe that closed it, or one after that when the
/// news was held), and how long it lasted.
nlohmann::json resolvedEvent(const common::ProbeReport& report, MonitorStatus previous,
                             common::SystemTime opened_at, common::SystemTime closed_at,
                             int failed_probes);

/// An incident still open when a hold ended, told now: its cause from the incidents row.
struct HeldIncident {
  common::SystemTime opened_at;
  std::string cause_kind, cause;
  int failed_probes = 0;
};
nlohmann::json heldFiringEvent(const common::ProbeReport& report, const HeldIncident& incident);

/// The transition at `report` made the URL flap: one notice, and nothing more until it is quiet.
nlohmann::json flappingEvent(const common::ProbeReport& report, MonitorStatus state,
                             const FlapState& flap, const common::FlappingRules& rules);

}  // namespace webmon::consumer::alerts
