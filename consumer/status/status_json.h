#pragma once
// The status API's JSON bodies (docs/openapi.yaml describes them). Absent values are null,
// never left out, so a script can rely on every key being there.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "consumer/status/status_data.h"

namespace webmon::consumer::status {

/// The /api/v1/status body. Written straight into one string rather than built as a
/// nlohmann::json document first: for 10,000 URLs the document's 110,000 nodes cost more to
/// make, print and free than the rest of the answer (docs/benchmarks.md, status scenario).
std::string statusJsonText(const std::vector<UrlOverview>& overview);
nlohmann::json historyJson(const std::vector<HistoryRow>& rows);
nlohmann::json incidentsJson(const std::vector<IncidentRow>& rows);
nlohmann::json uptimeJson(const ListedUrl& url, const UptimeWindow& window,
                          const ProbeCounts& counts);
/// {"error": message, "parameter": name} (parameter left out when empty).
nlohmann::json errorJson(const std::string& message, const std::string& parameter = "");

/// Appends `text` as a JSON string, quoted and escaped.
void appendJsonString(std::string& out, std::string_view text);

/// A percentage as the API gives it: rounded to 4 decimals (99.9861).
double roundedPercent(double percent);

}  // namespace webmon::consumer::status
