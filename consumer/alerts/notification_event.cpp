#include "consumer/alerts/notification_event.h"

namespace webmon::consumer::alerts {
namespace {

nlohmann::json probeFacts(const common::ProbeReport& report) {
  nlohmann::json probe = {{"checked_at", common::formatRfc3339(report.checked_at)},
                          {"status", common::probeStatusName(report.status())},
                          {"response_ms", report.response_time_ms},
                          {"producer_id", report.producer_id}};
  probe["http_status"] = report.http_status ? nlohmann::json(*report.http_status) : nullptr;
  if (report.region) probe["region"] = *report.region;
  nlohmann::json timings = nlohmann::json::object();
  const auto put = [&](const char* key, const std::optional<double>& ms) {
    if (ms) timings[key] = *ms;
  };
  put("dns_ms", report.timings.dns_ms);
  put("connect_ms", report.timings.connect_ms);
  put("tls_ms", report.timings.tls_ms);
  put("ttfb_ms", report.timings.ttfb_ms);
  probe["timings"] = std::move(timings);
  if (report.error) {
    probe["error_kind"] = common::errorKindName(report.error->kind);
    probe["error"] = report.error->message;
  }
  return probe;
}

}  // namespace

nlohmann::json firingEvent(const common::ProbeReport& report, MonitorStatus previous,
                           const MonitorState& state) {
  return {{"url", report.url},
          {"name", report.name},
          {"type", report.type},
          {"state", "down"},
          {"previous_state", monitorStatusName(previous)},
          {"opened_at", common::formatRfc3339(state.run_started_at.value_or(report.checked_at))},
          {"failed_probes", state.failures_in_row},
          {"error_kind", state.run_error_kind},
          {"error", state.run_error},
          {"probe", probeFacts(report)}};
}

nlohmann::json resolvedEvent(const common::ProbeReport& report, MonitorStatus previous,
                             common::SystemTime opened_at, common::SystemTime closed_at,
                             int failed_probes) {
  const auto duration = closed_at - opened_at;
  return {{"url", report.url},
          {"name", report.name},
          {"type", report.type},
          {"state", common::probeStatusName(report.status())},
          {"previous_state", monitorStatusName(previous)},
          {"opened_at", common::formatRfc3339(opened_at)},
          {"closed_at", common::formatRfc3339(closed_at)},
          {"duration_s", static_cast<double>(duration.count()) / 1000.0},
          {"failed_probes", failed_probes},
          {"probe", probeFacts(report)}};
}

nlohmann::json heldFiringEvent(const common::ProbeReport& report, const HeldIncident& incident) {
  return {{"url", report.url},
          {"name", report.name},
          {"type", report.type},
          {"state", "down"},
          // What the receivers were last told: nothing open.
          {"previous_state", "up"},
          {"opened_at", common::formatRfc3339(incident.opened_at)},
          {"failed_probes", incident.failed_probes},
          {"error_kind", incident.cause_kind},
          {"error", incident.cause},
          {"probe", probeFacts(report)}};
}

nlohmann::json flappingEvent(const common::ProbeReport& report, MonitorStatus state,
                             const FlapState& flap, const common::FlappingRules& rules) {
  return {{"url", report.url},
          {"name", report.name},
          {"type", report.type},
          {"state", monitorStatusName(state)},
          {"flapping_since", common::formatRfc3339(flap.since.value_or(report.checked_at))},
          {"transitions", flap.recent.size()},
          {"window_s", rules.window.count()},
          {"probe", probeFacts(report)}};
}

}  // namespace webmon::consumer::alerts
