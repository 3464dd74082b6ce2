#include "consumer/status/status_queries.h"

#include <pqxx/nontransaction>
#include <pqxx/result>

namespace webmon::consumer::status {
namespace {

// An instant as the API shows it: UTC, milliseconds, a Z.
std::string iso(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

template <typename T>
std::optional<T> optional(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<T>();
}

ProbeCounts countsOf(const pqxx::row& row, int first) {
  return {row[first].as<long long>(), row[first + 1].as<long long>(),
          row[first + 2].as<long long>(), row[first + 3].as<long long>()};
}

}  // namespace

const char* const kUptimeWindows = "24h, 7d, 30d or 90d";

std::optional<UptimeWindow> parseUptimeWindow(const std::string& text) {
  if (text == "24h") return UptimeWindow{text, 24};
  if (text == "7d") return UptimeWindow{text, 7 * 24};
  if (text == "30d") return UptimeWindow{text, 30 * 24};
  if (text == "90d") return UptimeWindow{text, 90 * 24};
  return std::nullopt;
}

std::string textArrayLiteral(const std::vector<std::string>& urls) {
  std::string out = "{";
  for (const auto& url : urls) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : url) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

namespace {

// Each URL's state with its newest row; `where` narrows monitor_state (s). The newest row is
// looked up by its exact checked_at (monitor_state.last_checked_at), so PostgreSQL prunes the
// day partitions at run time and reads one index entry per URL instead of merging every
// partition's newest. A row dropped by retention leaves the state alone.
std::string currentStateQuery(const std::string& where) {
  return "SELECT s.url, s.state, " + iso("s.since") + ", " +
         iso("coalesce(r.checked_at, s.last_checked_at)") +
         ", r.response_time_ms, r.http_status, r.error_kind "
         "FROM monitor_state s "
         "LEFT JOIN LATERAL (SELECT checked_at, response_time_ms, http_status, error_kind "
         "                   FROM reports r "
         "                   WHERE r.url = s.url AND r.checked_at = s.last_checked_at "
         "                   LIMIT 1) r ON true " +
         where;
}

CurrentState currentStateOf(const pqxx::row& row) {
  CurrentState state;
  state.status = row[1].as<std::string>();
  state.since = optional<std::string>(row[2]);
  state.checked_at = optional<std::string>(row[3]);
  state.response_ms = optional<double>(row[4]);
  state.http_status = optional<int>(row[5]);
  state.error_kind = optional<std::string>(row[6]);
  return state;
}

}  // namespace

std::unordered_map<std::string, CurrentState> currentStates(pqxx::connection& db) {
  pqxx::nontransaction tx(db);
  const auto rows = tx.exec(currentStateQuery(""));
  std::unordered_map<std::string, CurrentState> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    out.emplace(row[0].as<std::string>(), currentStateOf(row));
  }
  return out;
}

CurrentState currentState(pqxx::connection& db, const std::string& url) {
  pqxx::nontransaction tx(db);
  const auto rows = tx.exec_params(currentStateQuery("WHERE s.url = $1"), url);
  return rows.empty() ? CurrentState{} : currentStateOf(rows[0]);
}

std::vector<ListedUrl> urlsInMonitorState(pqxx::connection& db) {
  pqxx::nontransaction tx(db);
  std::vector<ListedUrl> out;
  for (const auto& row : tx.exec("SELECT url, name FROM monitor_state ORDER BY url")) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), ""});
  }
  return out;
}

std::unordered_map<std::string, ProbeCounts> countsForAll(pqxx::connection& db, int hours) {
  pqxx::nontransaction tx(db);
  const auto rows = tx.exec_params(
      "SELECT url, probes, up, degraded, down "
      "FROM webmon_rollups_since(now() - make_interval(hours => $1))",
      hours);
  std::unordered_map<std::string, ProbeCounts> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.emplace(row[0].as<std::string>(), countsOf(row, 1));
  return out;
}

ProbeCounts countsFor(pqxx::connection& db, const std::string& url, int hours) {
  pqxx::nontransaction tx(db);
  // The window webmon_rollups_since reads, for one URL through the rollups' primary keys:
  // hourly rows up to the first UTC midnight after the start, daily rows from there on.
  const auto rows = tx.exec_params(
      "WITH bounds AS ("
      "  SELECT date_trunc('hour', now() - make_interval(hours => $2), 'UTC') AS first_hour), "
      "midnight AS ("
      "  SELECT first_hour, date_trunc('day', first_hour - interval '1 us', 'UTC') "
      "                     + interval '24 hours' AS at FROM bounds) "
      "SELECT coalesce(sum(probes), 0), coalesce(sum(up), 0), coalesce(sum(degraded), 0), "
      "       coalesce(sum(down), 0) "
      "FROM (SELECT h.probes, h.up, h.degraded, h.down FROM reports_hourly h, midnight m "
      "      WHERE h.url = $1 AND h.hour >= m.first_hour AND h.hour < m.at "
      "      UNION ALL "
      "      SELECT d.probes, d.up, d.degraded, d.down FROM reports_daily d, midnight m "
      "      WHERE d.url = $1 AND d.day >= (m.at AT TIME ZONE 'UTC')::date) AS counted",
      url, hours);
  return countsOf(rows[0], 0);
}

std::vector<HistoryRow> history(pqxx::connection& db, const std::string& url, int limit) {
  pqxx::nontransaction tx(db);
  const auto rows = tx.exec_params(
      "SELECT " + iso("checked_at") +
          ", status, http_status, response_time_ms, dns_ms, connect_ms, tls_ms, ttfb_ms, "
          "error_kind, error_message "
          "FROM reports WHERE url = $1 ORDER BY checked_at DESC, id LIMIT $2",
      url, limit);
  std::vector<HistoryRow> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    HistoryRow item;
    item.checked_at = row[0].as<std::string>();
    item.status = row[1].as<std::string>();
    item.http_status = optional<int>(row[2]);
    item.response_ms = row[3].as<double>();
    item.dns_ms = optional<double>(row[4]);
    item.connect_ms = optional<double>(row[5]);
    item.tls_ms = optional<double>(row[6]);
    item.ttfb_ms = optional<double>(row[7]);
    item.error_kind = optional<std::string>(row[8]);
    item.error = optional<std::string>(row[9]);
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<IncidentRow> incidents(pqxx::connection& db, const std::string& url,
                                   const std::string& since, int limit) {
  pqxx::nontransaction tx(db);
  const auto rows = tx.exec_params(
      "SELECT id, url, name, " + iso("opened_at") + ", " + iso("closed_at") +
          ", extract(epoch FROM coalesce(closed_at, now()) - opened_at)::double precision, "
          "cause_kind, cause, failed_probes "
          "FROM incidents "
          "WHERE ($1 = '' OR url = $1) AND coalesce(closed_at, 'infinity') >= $2::timestamptz "
          "ORDER BY opened_at DESC, id DESC LIMIT $3",
      url, since, limit);
  std::vector<IncidentRow> out;
  for (const auto& row : rows) {
    IncidentRow item;
    item.id = row[0].as<long long>();
    item.url = row[1].as<std::string>();
    item.name = row[2].as<std::string>();
    item.opened_at = row[3].as<std::string>();
    item.closed_at = optional<std::string>(row[4]);
    item.duration_s = std::max(0.0, row[5].as<double>());
    item.cause_kind = row[6].as<std::string>();
    item.cause = row[7].as<std::string>();
    item.failed_probes = row[8].as<int>();
    out.push_back(std::move(item));
  }
  return out;
}

std::map<std::string, std::vector<DayCounts>> dailyCounts(pqxx::connection& db,
                                                          const std::vector<std::string>& urls,
                                                          int days) {
  std::map<std::string, std::vector<DayCounts>> out;
  if (urls.empty()) return out;
  pqxx::nontransaction tx(db);
  const auto rows = tx.exec_params(
      "SELECT url, to_char(day, 'YYYY-MM-DD'), probes, up, degraded, down FROM reports_daily "
      "WHERE url = ANY($1::text[]) AND day > (now() AT TIME ZONE 'UTC')::date - $2::integer "
      "ORDER BY url, day",
      textArrayLiteral(urls), days);
  for (const auto& row : rows) {
    out[row[0].as<std::string>()].push_back({row[1].as<std::string>(), countsOf(row, 2)});
  }
  return out;
}

std::map<std::string, std::vector<HourLatency>> hourlyLatency(
    pqxx::connection& db, const std::vector<std::string>& urls) {
  std::map<std::string, std::vector<HourLatency>> out;
  if (urls.empty()) return out;
  pqxx::nontransaction tx(db);
  // latency_sum_ms adds up the probes that answered (up or degraded); a down probe has no
  // response time worth averaging.
  const auto rows =
      tx.exec_params("SELECT url, " + iso("hour") +
                         ", latency_sum_ms / (up + degraded) FROM reports_hourly "
                         "WHERE url = ANY($1::text[]) AND up + degraded > 0 "
                         "  AND hour >= date_trunc('hour', now(), 'UTC') - interval '23 hours' "
                         "ORDER BY url, hour",
                     textArrayLiteral(urls));
  for (const auto& row : rows) {
    out[row[0].as<std::string>()].push_back({row[1].as<std::string>(), row[2].as<double>()});
  }
  return out;
}

}  // namespace webmon::consumer::status
