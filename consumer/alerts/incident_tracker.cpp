#include "consumer/alerts/incident_tracker.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/result>

#include "consumer/alerts/maintenance_calendar.h"
#include "consumer/alerts/monitor_state.h"
#include "consumer/alerts/notification_event.h"

namespace webmon::consumer::alerts {
namespace {

using common::SystemTime;

std::string timestamp(pqxx::transaction_base& tx, std::optional<SystemTime> time) {
  return (time ? tx.quote(common::formatRfc3339(*time)) : std::string("NULL")) + "::timestamptz";
}

SystemTime fromMillis(long long ms) { return SystemTime(std::chrono::milliseconds(ms)); }

std::vector<SystemTime> splitMillis(const std::string& list) {
  std::vector<SystemTime> out;
  std::size_t at = 0;
  while (at < list.size()) {
    const auto comma = std::min(list.find(',', at), list.size());
    out.push_back(fromMillis(std::stoll(list.substr(at, comma - at))));
    at = comma + 1;
  }
  return out;
}

std::string timestampArray(pqxx::transaction_base& tx, const std::vector<SystemTime>& times) {
  std::string out = "ARRAY[";
  for (std::size_t i = 0; i < times.size(); ++i) {
    out += (i ? "," : "") + timestamp(tx, times[i]);
  }
  return out + "]::timestamptz[]";
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
      "coalesce(run_error_kind, ''), coalesce(run_error, ''), open_incident_id, "
      "array_to_string(ARRAY(SELECT (extract(epoch FROM t) * 1000)::bigint "
      "FROM unnest(recent_transitions) AS t), ','), "
      "(extract(epoch FROM flapping_since) * 1000)::bigint, coalesce(notifications_held, '') "
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
    for (const auto& ms : splitMillis(row[11].as<std::string>())) state.flap.recent.push_back(ms);
    if (!row[12].is_null()) state.flap.since = fromMillis(row[12].as<long long>());
    state.held = row[13].as<std::string>();
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
              (s.open_incident_id ? std::to_string(*s.open_incident_id) : "NULL") + "::bigint," +
              timestampArray(tx, s.flap.recent) + "," + timestamp(tx, s.flap.since) + "," +
              (s.held.empty() ? "NULL" : tx.quote(s.held)) + "::text)";
  }
  tx.exec(
      "UPDATE monitor_state AS m SET name = v.name, state = v.state, since = v.since, "
      "last_checked_at = coalesce(v.last_checked_at, m.last_checked_at), "
      "failures_in_row = v.failures_in_row, successes_in_row = v.successes_in_row, "
      "run_started_at = v.run_started_at, run_error_kind = v.run_error_kind, "
      "run_error = v.run_error, open_incident_id = v.open_incident_id, "
      "recent_transitions = v.recent_transitions, flapping_since = v.flapping_since, "
      "notifications_held = v.notifications_held, updated_at = now() "
      "FROM (VALUES " +
      values +
      ") AS v(url, name, state, since, last_checked_at, failures_in_row, successes_in_row, "
      "run_started_at, run_error_kind, run_error, open_incident_id, recent_transitions, "
      "flapping_since, notifications_held) WHERE m.url = v.url");
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

// The maintenance windows of every URL in the batch, placed in time around its reports: one
// query for the batch, and none when no window applies.
std::map<std::string, std::vector<MaintenanceInterval>> maintenanceOf(
    pqxx::transaction_base& tx, const AlertPolicy& policy,
    const std::map<std::string, std::vector<const common::ProbeReport*>>& by_url) {
  std::map<std::string, std::vector<MaintenanceInterval>> out;
  std::vector<std::size_t> used;
  std::optional<SystemTime> from, to;
  for (const auto& [url, reports] : by_url) {
    const auto& windows = policy.forUrl(url).maintenance;
    if (windows.empty()) continue;
    used.insert(used.end(), windows.begin(), windows.end());
    if (!from || reports.front()->checked_at < *from) from = reports.front()->checked_at;
    if (!to || reports.back()->checked_at > *to) to = reports.back()->checked_at;
  }
  if (used.empty()) return out;
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  std::vector<const common::MaintenanceWindow*> windows;
  for (const auto index : used) windows.push_back(&policy.maintenanceWindows()[index]);
  const auto intervals = maintenanceIntervals(tx, windows, *from, *to);
  for (const auto& [url, reports] : by_url) {
    for (const auto index : policy.forUrl(url).maintenance) {
      const auto at = std::lower_bound(used.begin(), used.end(), index) - used.begin();
      const auto& found = intervals[static_cast<std::size_t>(at)];
      out[url].insert(out[url].end(), found.begin(), found.end());
    }
  }
  return out;
}

}  // namespace

// What the receivers of one URL are told about one probe. A transition is told at once unless
// the URL is held (in a maintenance window, or flapping); when a hold ends, the receivers are
// told what differs from what they last heard, and nothing when nothing does.
class IncidentTracker::UrlSteps {
 public:
  UrlSteps(pqxx::transaction_base& tx, const UrlPolicy& policy, MonitorState& state,
           TrackResult& result)
      : tx_(tx), policy_(policy), state_(state), result_(result) {}

  void apply(const common::ProbeReport& report, bool in_maintenance) {
    state_.name = report.name;
    const std::optional<std::int64_t> incident = state_.open_incident_id;
    const MonitorStatus before = state_.status;
    const Transition step = applyProbe(state_, report, policy_.rules);
    if (step == Transition::Ignored) return;
    const bool transition = step == Transition::Opened || step == Transition::Closed;
    // Planned work is expected to go up and down: it counts towards no flapping.
    FlapChange flap = FlapChange::None;
    if (transition && !in_maintenance) {
      flap = recordTransition(state_.flap, report.checked_at, policy_.flapping);
    } else if (!transition) {
      checkQuiet(state_.flap, report.checked_at, policy_.flapping);
    }
    const std::string held = in_maintenance ? "maintenance" : state_.flap.since ? "flapping" : "";
    const bool tell = held.empty();
    if (step == Transition::StillDown) {
      ++failed_while_open_;
    } else if (step == Transition::Opened) {
      const auto row = tx_.exec1(
          "INSERT INTO incidents (url, name, opened_at, cause_kind, cause, failed_probes, "
          "firing_sent) VALUES (" +
          tx_.quote(state_.url) + "," + tx_.quote(report.name) + "," +
          timestamp(tx_, state_.run_started_at) + "," + tx_.quote(state_.run_error_kind) + "," +
          tx_.quote(state_.run_error) + "," + std::to_string(state_.failures_in_row) + "," +
          (tell ? "true" : "false") + ") RETURNING id");
      state_.open_incident_id = row[0].as<std::int64_t>();
      ++result_.opened;
      if (tell) queue(*state_.open_incident_id, "firing", firingEvent(report, before, state_));
    } else if (step == Transition::Closed) {
      const auto row =
          tx_.exec1("UPDATE incidents SET closed_at = " + timestamp(tx_, report.checked_at) +
                    ", failed_probes = failed_probes + " + std::to_string(failed_while_open_) +
                    ", resolved_sent = firing_sent AND " + (tell ? "true" : "false") +
                    " WHERE id = " + std::to_string(*incident) +
                    " RETURNING to_char(opened_at AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), failed_probes, resolved_sent");
      failed_while_open_ = 0;
      ++result_.closed;
      if (row[2].as<bool>()) {
        queue(*incident, "resolved",
              resolvedEvent(report, before, parseTime(row[0]).value_or(SystemTime{}),
                            report.checked_at, row[1].as<int>()));
      }
    }
    if (flap == FlapChange::Started) {
      queue(state_.open_incident_id.value_or(incident.value_or(0)), "flapping",
            flappingEvent(report, state_.status, state_.flap, policy_.flapping));
    }
    if (!state_.held.empty() && tell) tellWhatChanged(report, state_.held);
    state_.held = held;
  }

  // Failures of the open incident not yet added to its row.
  void finish() {
    if (failed_while_open_ > 0 && state_.open_incident_id) {
      tx_.exec("UPDATE incidents SET failed_probes = failed_probes + " +
               std::to_string(failed_while_open_) +
               " WHERE id = " + std::to_string(*state_.open_incident_id));
    }
    failed_while_open_ = 0;
  }

 private:
  // A hold ended: incidents whose firing went out and that closed meanwhile are resolved; an
  // open one nobody heard of fires. One that opened and closed inside the hold is not told.
  void tellWhatChanged(const common::ProbeReport& report, const std::string& held_by) {
    const auto closed =
        tx_.exec("UPDATE incidents SET resolved_sent = true WHERE url = " + tx_.quote(state_.url) +
                 " AND closed_at IS NOT NULL AND firing_sent AND NOT resolved_sent RETURNING id, " +
                 kUtcMillis("opened_at") + ", " + kUtcMillis("closed_at") + ", failed_probes");
    for (const auto& row : closed) {
      auto event =
          resolvedEvent(report, MonitorStatus::Down, parseTime(row[1]).value_or(SystemTime{}),
                        parseTime(row[2]).value_or(SystemTime{}), row[3].as<int>());
      event["held_by"] = held_by;
      queue(row[0].as<std::int64_t>(), "resolved", event);
    }
    if (!state_.open_incident_id) return;
    const auto open = tx_.exec(
        "UPDATE incidents SET firing_sent = true, last_notified_at = now(), failed_probes = "
        "failed_probes + " +
        std::to_string(failed_while_open_) + " WHERE id = " +
        std::to_string(*state_.open_incident_id) + " AND NOT firing_sent RETURNING " +
        kUtcMillis("opened_at") + ", cause_kind, cause, failed_probes");
    if (open.empty()) return;
    failed_while_open_ = 0;
    const auto& row = open[0];
    auto event =
        heldFiringEvent(report, {parseTime(row[0]).value_or(SystemTime{}), row[1].as<std::string>(),
                                 row[2].as<std::string>(), row[3].as<int>()});
    event["held_by"] = held_by;
    queue(*state_.open_incident_id, "firing", event);
  }

  static std::string kUtcMillis(const char* column) {
    return std::string("to_char(") + column +
           " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
  }

  void queue(std::int64_t incident_id, std::string_view kind, const nlohmann::json& event) {
    result_.notifications += queueNotifications(tx_, incident_id, kind, event, policy_.receivers);
  }

  pqxx::transaction_base& tx_;
  const UrlPolicy& policy_;
  MonitorState& state_;
  TrackResult& result_;
  int failed_while_open_ = 0;
};

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
  const auto maintenance = maintenanceOf(tx, policy_, by_url);
  for (auto& [url, list] : by_url) {
    const auto windows = maintenance.find(url);
    UrlSteps steps(tx, policy_.forUrl(url), states.at(url), result);
    for (const auto* report : list) {
      steps.apply(*report,
                  windows != maintenance.end() && insideAny(windows->second, report->checked_at));
    }
    steps.finish();
  }
  storeStates(tx, states);
  return result;
}

}  // namespace webmon::consumer::alerts
