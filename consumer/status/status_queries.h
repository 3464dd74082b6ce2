#pragma once
// What the status API and page show, read from PostgreSQL: the state the alert tracker keeps
// per URL (monitor_state), the newest row of each URL, and for anything longer than a day the
// rollups (reports_hourly, reports_daily), never the raw rows. Times are ISO 8601 in UTC with
// milliseconds, formatted by PostgreSQL.

#include <map>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <unordered_map>
#include <vector>

namespace webmon::consumer::status {

/// A URL the API lists: from the config's monitored_urls (or, without any, from monitor_state).
struct ListedUrl {
  std::string url;
  std::string name;
  std::string group;
};

/// The current state of one URL, as monitor_state and its newest report say.
struct CurrentState {
  std::string status = "unknown";  // up, degraded, down, unknown (nothing heard yet)
  std::optional<std::string> since;
  std::optional<std::string> checked_at;
  std::optional<double> response_ms;
  std::optional<int> http_status;
  std::optional<std::string> error_kind;
};

/// Probes counted over a window: uptime = (up + degraded) / probes, as sql/reports/uptime.sql.
struct ProbeCounts {
  long long probes = 0;
  long long up = 0;
  long long degraded = 0;
  long long down = 0;
  std::optional<double> uptimePercent() const {
    if (probes == 0) return std::nullopt;
    return 100.0 * static_cast<double>(up + degraded) / static_cast<double>(probes);
  }
};

struct HistoryRow {
  std::string checked_at;
  std::string status;
  std::optional<int> http_status;
  double response_ms = 0;
  std::optional<double> dns_ms, connect_ms, tls_ms, ttfb_ms;
  std::optional<std::string> error_kind;
  std::optional<std::string> error;
};

struct IncidentRow {
  long long id = 0;
  std::string url;
  std::string name;
  std::string opened_at;
  std::optional<std::string> closed_at;
  double duration_s = 0;  // until closed_at, or until now for an open incident
  std::string cause_kind;
  std::string cause;
  int failed_probes = 0;
};

/// One UTC day of a URL's 90-day bar.
struct DayCounts {
  std::string day;  // YYYY-MM-DD
  ProbeCounts counts;
};

/// Mean response time of the probes that answered, per UTC hour (oldest first).
struct HourLatency {
  std::string hour;
  double mean_ms = 0;
};

/// The windows the uptime endpoint and badges accept.
struct UptimeWindow {
  std::string name;  // "24h"
  int hours = 24;
};
std::optional<UptimeWindow> parseUptimeWindow(const std::string& text);
extern const char* const kUptimeWindows;  // "24h, 7d, 30d or 90d", for error messages

/// Every URL in monitor_state with its newest report (one indexed lookup per URL, in the
/// partition its last_checked_at falls in).
std::unordered_map<std::string, CurrentState> currentStates(pqxx::connection& db);
/// One URL's, the same way; "unknown" when monitor_state has not heard of it.
CurrentState currentState(pqxx::connection& db, const std::string& url);
/// URLs monitor_state knows, for a consumer whose config lists none.
std::vector<ListedUrl> urlsInMonitorState(pqxx::connection& db);
/// Every URL's counts since the start of the UTC hour `hours` ago (webmon_rollups_since).
std::unordered_map<std::string, ProbeCounts> countsForAll(pqxx::connection& db, int hours);
/// One URL's counts over the same window, from its own rollup rows.
ProbeCounts countsFor(pqxx::connection& db, const std::string& url, int hours);
/// The newest `limit` rows of `url`, newest first.
std::vector<HistoryRow> history(pqxx::connection& db, const std::string& url, int limit);
/// Incidents open at or after `since` (an ISO 8601 time PostgreSQL accepts), newest first; of
/// one URL, or of all when `url` is empty.
std::vector<IncidentRow> incidents(pqxx::connection& db, const std::string& url,
                                   const std::string& since, int limit);
/// The last `days` UTC days (today included) of each of `urls`, from reports_daily; days
/// without a row are absent.
std::map<std::string, std::vector<DayCounts>> dailyCounts(pqxx::connection& db,
                                                          const std::vector<std::string>& urls,
                                                          int days);
/// The last 24 hours' mean response time of each of `urls`, per hour, from reports_hourly.
std::map<std::string, std::vector<HourLatency>> hourlyLatency(pqxx::connection& db,
                                                              const std::vector<std::string>& urls);

/// `urls` as a PostgreSQL text[] literal, for `= ANY($1::text[])`.
std::string textArrayLiteral(const std::vector<std::string>& urls);

}  // namespace webmon::consumer::status
