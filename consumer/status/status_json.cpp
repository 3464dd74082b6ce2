#include "consumer/status/status_json.h"

#include <cmath>

namespace webmon::consumer::status {
namespace {

template <typename T>
nlohmann::json orNull(const std::optional<T>& value) {
  if (!value) return nullptr;
  return *value;
}

nlohmann::json percentOrNull(const std::optional<double>& value) {
  if (!value) return nullptr;
  return roundedPercent(*value);
}

}  // namespace

double roundedPercent(double percent) { return std::round(percent * 10'000.0) / 10'000.0; }

nlohmann::json statusJson(const std::vector<UrlOverview>& overview) {
  auto out = nlohmann::json::array();
  for (const auto& item : overview) {
    out.push_back({{"url", item.listed.url},
                   {"name", item.listed.name},
                   {"group", item.listed.group.empty() ? nlohmann::json(nullptr)
                                                       : nlohmann::json(item.listed.group)},
                   {"status", item.state.status},
                   {"since", orNull(item.state.since)},
                   {"checked_at", orNull(item.state.checked_at)},
                   {"response_ms", orNull(item.state.response_ms)},
                   {"http_status", orNull(item.state.http_status)},
                   {"error_kind", orNull(item.state.error_kind)},
                   {"uptime_24h", percentOrNull(item.uptime_24h)},
                   {"uptime_30d", percentOrNull(item.uptime_30d)}});
  }
  return out;
}

nlohmann::json historyJson(const std::vector<HistoryRow>& rows) {
  auto out = nlohmann::json::array();
  for (const auto& row : rows) {
    out.push_back({{"checked_at", row.checked_at},
                   {"status", row.status},
                   {"http_status", orNull(row.http_status)},
                   {"response_ms", row.response_ms},
                   {"dns_ms", orNull(row.dns_ms)},
                   {"connect_ms", orNull(row.connect_ms)},
                   {"tls_ms", orNull(row.tls_ms)},
                   {"ttfb_ms", orNull(row.ttfb_ms)},
                   {"error_kind", orNull(row.error_kind)},
                   {"error", orNull(row.error)}});
  }
  return out;
}

nlohmann::json incidentsJson(const std::vector<IncidentRow>& rows) {
  auto out = nlohmann::json::array();
  for (const auto& row : rows) {
    out.push_back({{"id", row.id},
                   {"url", row.url},
                   {"name", row.name},
                   {"opened_at", row.opened_at},
                   {"closed_at", orNull(row.closed_at)},
                   {"open", !row.closed_at.has_value()},
                   {"duration_s", std::round(row.duration_s * 1000.0) / 1000.0},
                   {"cause_kind", row.cause_kind},
                   {"cause", row.cause},
                   {"failed_probes", row.failed_probes}});
  }
  return out;
}

nlohmann::json uptimeJson(const ListedUrl& url, const UptimeWindow& window,
                          const ProbeCounts& counts) {
  return {{"url", url.url},        {"name", url.name},
          {"window", window.name}, {"probes", counts.probes},
          {"up", counts.up},       {"degraded", counts.degraded},
          {"down", counts.down},   {"uptime", percentOrNull(counts.uptimePercent())}};
}

nlohmann::json errorJson(const std::string& message, const std::string& parameter) {
  nlohmann::json out = {{"error", message}};
  if (!parameter.empty()) out["parameter"] = parameter;
  return out;
}

}  // namespace webmon::consumer::status
