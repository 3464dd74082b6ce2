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
/// The probe that closed it, and how long it lasted.
nlohmann::json resolvedEvent(const common::ProbeReport& report, MonitorStatus previous,
                             common::SystemTime opened_at, int failed_probes);

}  // namespace webmon::consumer::alerts
