#pragma once
// The status API's JSON bodies (docs/openapi.yaml describes them). Absent values are null,
// never left out, so a script can rely on every key being there.

#include <nlohmann/json.hpp>
#include <vector>

#include "consumer/status/status_data.h"

namespace webmon::consumer::status {

nlohmann::json statusJson(const std::vector<UrlOverview>& overview);
nlohmann::json historyJson(const std::vector<HistoryRow>& rows);
nlohmann::json incidentsJson(const std::vector<IncidentRow>& rows);
nlohmann::json uptimeJson(const ListedUrl& url, const UptimeWindow& window,
                          const ProbeCounts& counts);
/// {"error": message, "parameter": name} (parameter left out when empty).
nlohmann::json errorJson(const std::string& message, const std::string& parameter = "");

/// A percentage as the API gives it: rounded to 4 decimals (99.9861).
double roundedPercent(double percent);

}  // namespace webmon::consumer::status
