#include "consumer/alerts/notification_payloads.h"

#include <cmath>

#include "common/probe_report.h"

namespace webmon::consumer::alerts {
namespace {

// Alertmanager writes the zero time for an alert that has not ended.
constexpr const char* kNotEnded = "0001-01-01T00:00:00Z";
constexpr const char* kAlertName = "WebmonTargetDown";
constexpr const char* kFlappingAlertName = "WebmonTargetFlapping";

std::string text(const nlohmann::json& event, const char* key) {
  const auto it = event.find(key);
  return it != event.end() && it->is_string() ? it->get<std::string>() : std::string();
}

nlohmann::json probeOf(const nlohmann::json& event) {
  return event.value("probe", nlohmann::json::object());
}

}  // namespace

std::string humanDuration(double seconds) {
  auto total = static_cast<long long>(std::llround(seconds));
  const long long days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60;
  total %= 60;
  std::string out;
  if (days) out += std::to_string(days) + "d ";
  if (days || hours) out += std::to_string(hours) + "h ";
  if (days || hours || minutes) out += std::to_string(minutes) + "m ";
  return out + std::to_string(total) + "s";
}

std::string notificationSummary(const Notification& n) {
  const auto& e = n.event;
  const std::string name = text(e, "name");
  if (n.kind == "flapping") {
    const std::string window = humanDuration(e.value("window_s", 0.0));
    return name + " is flapping: " + std::to_string(e.value("transitions", 0)) +
           " opens and closes within " + window +
           "; its notifications are held until it has been stable for " + window;
  }
  // Told when a maintenance window or flapping ended, rather than when it happened.
  const std::string held = text(e, "held_by");
  const std::string after_hold = held.empty()         ? ""
                                 : held == "flapping" ? " (held while it was flapping)"
                                                      : " (held during maintenance)";
  if (n.kind == "resolved") {
    return name + " is " + text(e, "state") + " again after " +
           humanDuration(e.value("duration_s", 0.0)) + after_hold;
  }
  std::string line = name + " is down";
  if (const auto kind = text(e, "error_kind"); !kind.empty()) line += " (" + kind + ")";
  line += " since " + text(e, "opened_at");
  if (n.kind == "reminder") line += " (reminder " + std::to_string(n.reminder) + ")";
  return line + after_hold;
}

std::string webhookPayload(const Notification& n) {
  const auto& e = n.event;
  const bool resolved = n.kind == "resolved";
  const bool flapping = n.kind == "flapping";
  const char* alert_name = flapping ? kFlappingAlertName : kAlertName;
  const nlohmann::json labels = {{"alertname", alert_name},
                                 {"url", text(e, "url")},
                                 {"name", text(e, "name")},
                                 {"type", text(e, "type")},
                                 {"severity", flapping ? "warning" : "critical"}};
  std::string description = text(e, "error");
  if (resolved) description = "down for " + humanDuration(e.value("duration_s", 0.0));
  if (flapping) {
    description = "no notifications for it until it has been stable for " +
                  humanDuration(e.value("window_s", 0.0));
  }
  // A flapping alert ends by itself, Alertmanager-style, at the earliest time it can stop
  // flapping: a whole quiet window after its last change.
  std::string ends_at = resolved ? text(e, "closed_at") : kNotEnded;
  if (flapping) {
    if (const auto at = common::parseRfc3339(text(probeOf(e), "checked_at"))) {
      ends_at = common::formatRfc3339(*at + std::chrono::seconds(e.value("window_s", 0LL)));
    }
  }
  const nlohmann::json annotations = {{"summary", notificationSummary(n)},
                                      {"description", description}};
  const nlohmann::json probe = e.value("probe", nlohmann::json::object());
  nlohmann::json webmon = {
      {"event_id", n.event_id},
      {"incident_id", n.incident_id},
      {"kind", n.kind},
      {"state", text(e, "state")},
      {"previous_state", text(e, "previous_state")},
      {"error_kind", resolved ? text(probe, "error_kind") : text(e, "error_kind")},
      {"error", resolved ? text(probe, "error") : text(e, "error")},
      {"opened_at", text(e, "opened_at")},
      {"failed_probes", e.value("failed_probes", 0)},
      {"checked_at", text(probe, "checked_at")},
      {"http_status", probe.value("http_status", nlohmann::json())},
      {"response_ms", probe.value("response_ms", 0.0)},
      {"timings", probe.value("timings", nlohmann::json::object())},
      {"producer_id", text(probe, "producer_id")},
      {"region", probe.value("region", nlohmann::json())}};  // null: the producer has none
  if (resolved) {
    webmon["closed_at"] = text(e, "closed_at");
    webmon["duration_s"] = e.value("duration_s", 0.0);
  }
  if (n.kind == "reminder") webmon["reminder"] = n.reminder;
  if (flapping) {
    webmon["flapping_since"] = text(e, "flapping_since");
    webmon["transitions"] = e.value("transitions", 0);
    webmon["window_s"] = e.value("window_s", 0);
  }
  if (const auto held = text(e, "held_by"); !held.empty()) webmon["held_by"] = held;
  const std::string status = resolved ? "resolved" : "firing";
  const nlohmann::json body = {
      {"version", "4"},
      {"groupKey", "webmon:" + std::to_string(n.incident_id)},
      {"truncatedAlerts", 0},
      {"status", status},
      {"receiver", n.receiver},
      {"groupLabels", {{"alertname", alert_name}, {"url", text(e, "url")}}},
      {"commonLabels", labels},
      {"commonAnnotations", annotations},
      {"externalURL", ""},
      {"alerts",
       {{{"status", status},
         {"labels", labels},
         {"annotations", annotations},
         {"startsAt", flapping ? text(e, "flapping_since") : text(e, "opened_at")},
         {"endsAt", ends_at},
         {"generatorURL", ""},
         {"fingerprint", (flapping ? "flapping-" : "") + std::to_string(n.incident_id)}}}},
      {"webmon", webmon}};
  return body.dump();
}

std::string slackPayload(const Notification& n) {
  const char* icon = n.kind == "resolved"   ? ":large_green_circle:"
                     : n.kind == "flapping" ? ":warning:"
                                            : ":red_circle:";
  std::string line = std::string(icon) + " " + notificationSummary(n);
  if (n.kind == "firing" || n.kind == "reminder") {
    if (const auto error = text(n.event, "error"); !error.empty()) line += ": " + error;
  }
  line += "\n" + text(n.event, "url");
  return nlohmann::json{{"text", line}}.dump();
}

std::string payloadFor(common::ReceiverType type, const Notification& notification) {
  return type == common::ReceiverType::Slack ? slackPayload(notification)
                                             : webhookPayload(notification);
}

}  // namespace webmon::consumer::alerts
