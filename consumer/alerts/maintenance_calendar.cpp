#include "consumer/alerts/maintenance_calendar.h"

#include <pqxx/result>

namespace webmon::consumer::alerts {
namespace {

std::string instant(pqxx::transaction_base& tx, common::SystemTime at) {
  return tx.quote(common::formatRfc3339(at)) + "::timestamptz";
}

// The starts of one window's occurrences, as a SELECT of one column `s`.
std::string startsOf(pqxx::transaction_base& tx, const common::MaintenanceWindow& window,
                     const std::string& from, const std::string& to) {
  const std::string zone = tx.quote(window.time_zone);
  if (!window.start.empty()) {
    return "SELECT (" + tx.quote(window.start) + "::timestamp AT TIME ZONE " + zone + ") AS s";
  }
  // A weekly window may have started days before `from` and still be running: look back
  // over its duration, plus a day for the time zone's offset.
  const long long days_back = window.duration.count() / 86400 + 2;
  std::string weekdays;
  for (const int day : window.weekdays) {
    weekdays += (weekdays.empty() ? "" : ",") + std::to_string(day);
  }
  return "SELECT ((d::date + " + tx.quote(window.at) + "::time) AT TIME ZONE " + zone +
         ") AS s FROM generate_series(((" + from + " AT TIME ZONE " + zone + ")::date - " +
         std::to_string(days_back) + ")::timestamp, (" + to + " AT TIME ZONE " + zone +
         ")::date::timestamp, interval '1 day') AS d WHERE extract(isodow FROM d) IN (" + weekdays +
         ")";
}

}  // namespace

std::vector<std::vector<MaintenanceInterval>> maintenanceIntervals(
    pqxx::transaction_base& tx, const std::vector<const common::MaintenanceWindow*>& windows,
    common::SystemTime from, common::SystemTime to) {
  std::vector<std::vector<MaintenanceInterval>> out(windows.size());
  if (windows.empty()) return out;
  const std::string lower = instant(tx, from), upper = instant(tx, to);
  std::string query;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const std::string length =
        "make_interval(secs => " + std::to_string(windows[i]->duration.count()) + ")";
    query += std::string(query.empty() ? "" : " UNION ALL ") + "SELECT " + std::to_string(i) +
             ", (extract(epoch FROM s) * 1000)::bigint, (extract(epoch FROM s + " + length +
             ") * 1000)::bigint FROM (" + startsOf(tx, *windows[i], lower, upper) +
             ") AS w WHERE s <= " + upper + " AND s + " + length + " > " + lower;
  }
  for (const auto& row : tx.exec(query)) {
    const auto at = [](const pqxx::field& field) {
      return common::SystemTime(std::chrono::milliseconds(field.as<long long>()));
    };
    out[row[0].as<std::size_t>()].push_back({at(row[1]), at(row[2])});
  }
  return out;
}

bool insideAny(const std::vector<MaintenanceInterval>& intervals, common::SystemTime at) {
  for (const auto& interval : intervals) {
    if (interval.start <= at && at < interval.end) return true;
  }
  return false;
}

}  // namespace webmon::consumer::alerts
