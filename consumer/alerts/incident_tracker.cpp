#include "consumer/alerts/incident_tracker.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/result>

#include "consumer/alerts/monitor_state.h"
#include "consumer/alerts/notification_event.h"

namespace webmon::consumer::alerts {
namespace {

using common::SystemTime;

std::string timestamp(pqxx::transaction_base& tx, std::optional<SystemTime> time) {
  return (time ? tx.quote(common::formatRfc3339(*time)) : std::string("NULL")) + "::timestamptz";
}

std::optional<SystemTime> parseTime(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return common::parseRfc3339(field.as<std::string>());
}

// Every state of the batch's URLs, locked for the transaction. Rows are made first for URLs
// not seen before (ON CONFLICT: another writer may make the same one), then locked in URL
// order, so two writers cannot deadlock.
std::map<std::string, MonitorState> lockStates(
    pqxx::transaction_base& tx,
    const std::map<std::string, std::vector<const common::ProbeReport*>>& by_url) {
  std::string values, urls;
  for (const auto& [url, reports] : by_url) {
    const auto& first = *reports.front();
    values += std::string(values.empty() ? "" : ",") + "(" + tx.quote(url) + "," +
              tx.quote(first.name) + ",'unknown'," + timestamp(tx, first.checked_at) +
              ",'-infinity')";
    urls += (urls.empty() ? "" : ",") + tx.quote(url);
  }
  tx.exec("INSERT INTO monitor_state (url, name, state, since, last_checked_at) VALUES " + values +
          " ON CONFLICT (url) DO NOTHING");
  std::map<std::string, MonitorState> states;
  const auto rows = tx.exec(
      "SELECT url, name, state, "
      "to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
      "CASE WHEN last_checked_at = '-infinity' THEN NULL ELSE "
      "to_char(last_checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') END, "
      "failures_in_row, successes_in_row, "
      "to_char(run_started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
      "coalesce(run_error_kind, ''), coalesce(run_error, ''), open_incident_id "
      "FROM monitor_state WHERE url IN (" +
      urls + ") ORDER BY url FOR UPDATE");
  for (const auto& row : rows) {
    MonitorState state;
    state.url = row[0].as<std::string>();
    state.name = row[1].as<std::string>();
    state.status = monitorStatusFromName(row[2].as<std::string>());
    state.since = parseTime(row[3]).value_or(SystemTime{});
    state.last_checked_at = parseTime(row[4]);
    state.failures_in_row = row[5].as<int>();
    state.successes_in_row = row[6].as<int>();
    state.run_started_at = parseTime(row[7]);
    state.run_error_kind = row[8].as<std::string>();
    state.run_error = row[9].as<std::string>();
    if (!row[10].is_null()) state.open_incident_id = row[10].as<std::int64_t>();
    states.emplace(state.url, std::move(state));
  }
  return states;
}

void storeStates(pqxx::transaction_base& tx, const std::map<std::string, MonitorState>& states) {
  std::string values;
  for (const auto& [url, s] : states) {
    values += std::string(values.empty() ? "" : ",") + "(" + tx.quote(url) + "," +
              tx.quote(s.name) + "," + tx.quote(std::string(monitorStatusName(s.status))) + "," +
              timestamp(tx, s.since) + "," + timestamp(tx, s.last_checked_at) + "," +
              std::to_string(s.failures_in_row) + "," + std::to_string(s.successes_in_row) + "," +
              timestamp(tx, s.run_started_at) + "," +
              (s.run_started_at ? tx.quote(s.run_error_kind) : "NULL") + "," +
              (s.run_started_at ? tx.quote(s.run_error) : "NULL") + "," +
              (s.open_incident_id ? std::to_string(*s.open_incident_id) : "NULL") + "::bigint)";
  }
  tx.exec(
      "UPDATE monitor_state AS m SET name = v.name, state = v.state, since = v.since, "
      "last_checked_at = coalesce(v.last_checked_at, m.last_checked_at), "
      "failures_in_row = v.failures_in_row, successes_in_row = v.successes_in_row, "
      "run_started_at = v.run_started_at, run_error_kind = v.run_error_kind, "
      "run_error = v.run_error, open_incident_id = v.open_incident_id, updated_at = now() "
      "FROM (VALUES " +
      values +
      ") AS v(url, name, state, since, last_checked_at, failures_in_row, successes_in_row, "
      "run_started_at, run_error_kind, run_error, open_incident_id) WHERE m.url = v.url");
}

std::size_t queueNotifications(pqxx::transaction_base& tx, std::int64_t incident_id,
                               std::string_view kind, const nlohmann::json& event,
                               const std::vector<std::string>& receivers) {
  if (receivers.empty()) return 0;
  std::string values;
  const std::string quoted_event = tx.quote(event.dump()) + "::jsonb";
  for (const auto& receiver : receivers) {
    values += std::string(values.empty() ? "" : ",") + "(" + std::to_string(incident_id) + "," +
              tx.quote(receiver) + "," + tx.quote(std::string(kind)) + "," + quoted_event + ")";
  }
  tx.exec("INSERT INTO notifications (incident_id, receiver, kind, event) VALUES " + values);
  return receivers.size();
}

}  // namespace

TrackResult IncidentTracker::apply(pqxx::transaction_base& tx,
                                   const std::vector<const common::ProbeReport*>& reports) const {
  TrackResult result;
  if (reports.empty()) return result;
  std::map<std::string, std::vector<const common::ProbeReport*>> by_url;
  for (const auto* report : reports) by_url[report->url].push_back(report);
  for (auto& [url, list] : by_url) {
    std::stable_sort(list.begin(), list.end(),
                     [](const auto* a, const auto* b) { return a->checked_at < b->checked_at; });
  }
  auto states = lockStates(tx, by_url);
  for (auto& [url, list] : by_url) {
    auto& state = states.at(url);
    const UrlPolicy& policy = policy_.forUrl(url);
    int failed_while_open = 0;
    for (const auto* report : list) {
      state.name = report->name;
      const std::optional<std::int64_t> incident = state.open_incident_id;
      const MonitorStatus before = state.status;
      const Transition step = applyProbe(state, *report, policy.rules);
      if (step == Transition::StillDown) {
        ++failed_while_open;
      } else if (step == Transition::Opened) {
        const auto row = tx.exec1(
            "INSERT INTO incidents (url, name, opened_at, cause_kind, cause, failed_probes) "
            "VALUES (" +
            tx.quote(url) + "," + tx.quote(report->name) + "," +
            timestamp(tx, state.run_started_at) + "," + tx.quote(state.run_error_kind) + "," +
            tx.quote(state.run_error) + "," + std::to_string(state.failures_in_row) +
            ") RETURNING id");
        state.open_incident_id = row[0].as<std::int64_t>();
        ++result.opened;
        const auto event = firingEvent(*report, before, state);
        result.notifications +=
            queueNotifications(tx, *state.open_incident_id, "firing", event, policy.receivers);
      } else if (step == Transition::Closed) {
        const auto row =
            tx.exec1("UPDATE incidents SET closed_at = " + timestamp(tx, report->checked_at) +
                     ", failed_probes = failed_probes + " + std::to_string(failed_while_open) +
                     " WHERE id = " + std::to_string(*incident) +
                     " RETURNING to_char(opened_at AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), failed_probes");
        failed_while_open = 0;
        ++result.closed;
        const auto event = resolvedEvent(*report, before, parseTime(row[0]).value_or(SystemTime{}),
                                         row[1].as<int>());
        result.notifications +=
            queueNotifications(tx, *incident, "resolved", event, policy.receivers);
      }
    }
    if (failed_while_open > 0 && state.open_incident_id) {
      tx.exec("UPDATE incidents SET failed_probes = failed_probes + " +
              std::to_string(failed_while_open) +
              " WHERE id = " + std::to_string(*state.open_incident_id));
    }
  }
  storeStates(tx, states);
  return result;
}

}  // namespace webmon::consumer::alerts
