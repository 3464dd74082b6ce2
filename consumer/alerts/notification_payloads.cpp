#include "consumer/alerts/notification_payloads.h"

#include <cmath>

namespace webmon::consumer::alerts {
namespace {

// Alertmanager writes the zero time for an alert that has not ended.
constexpr const char* kNotEnded = "0001-01-01T00:00:00Z";
constexpr const char* kAlertName = "WebmonTargetDown";

std::string text(const nlohmann::json& event, const char* key) {
  const auto it = event.find(key);
  return it != event.end() && it->is_string() ? it->get<std::string>() : std::string();
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
  if (n.kind == "resolved") {
    return name + " is " + text(e, "state") + " again after " +
           humanDuration(e.value("duration_s", 0.0));
  }
  std::string line = name + " is down";
  if (const auto kind = text(e, "error_kind"); !kind.empty()) line += " (" + kind + ")";
  line += " since " + text(e, "opened_at");
  if (n.kind == "reminder") line += " (reminder " + std::to_string(n.reminder) + ")";
  return line;
}

std::string webhookPayload(const Notification& n) {
  const auto& e = n.event;
  const bool resolved = n.kind == "resolved";
  const nlohmann::json labels = {{"alertname", kAlertName},
                                 {"url", text(e, "url")},
                                 {"name", text(e, "name")},
                                 {"type", text(e, "type")},
                                 {"severity", "critical"}};
  std::string description = text(e, "error");
  if (resolved) description = "down for " + humanDuration(e.value("duration_s", 0.0));
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
      {"producer_id", text(probe, "producer_id")}};
  if (resolved) {
    webmon["closed_at"] = text(e, "closed_at");
    webmon["duration_s"] = e.value("duration_s", 0.0);
  }
  if (n.kind == "reminder") webmon["reminder"] = n.reminder;
  const std::string status = resolved ? "resolved" : "firing";
  const nlohmann::json body = {
      {"version", "4"},
      {"groupKey", "webmon:" + std::to_string(n.incident_id)},
      {"truncatedAlerts", 0},
      {"status", status},
      {"receiver", n.receiver},
      {"groupLabels", {{"alertname", kAlertName}, {"url", text(e, "url")}}},
      {"commonLabels", labels},
      {"commonAnnotations", annotations},
      {"externalURL", ""},
      {"alerts",
       {{{"status", status},
         {"labels", labels},
         {"annotations", annotations},
         {"startsAt", text(e, "opened_at")},
         {"endsAt", resolved ? text(e, "closed_at") : kNotEnded},
         {"generatorURL", ""},
         {"fingerprint", std::to_string(n.incident_id)}}}},
      {"webmon", webmon}};
  return body.dump();
}

std::string slackPayload(const Notification& n) {
  const char* icon = n.kind == "resolved" ? ":large_green_circle:" : ":red_circle:";
  std::string line = std::string(icon) + " " + notificationSummary(n);
  if (n.kind != "resolved") {
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
