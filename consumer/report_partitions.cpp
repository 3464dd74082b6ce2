#include "consumer/report_partitions.h"

#include <pqxx/result>
#include <pqxx/transaction>

#include "consumer/utc_periods.h"

namespace webmon::consumer {

std::int64_t ReportPartitions::dayOf(const common::ProbeReport& report) {
  return periodOf(report.checked_at, kDayMs);
}

std::map<std::int64_t, std::string> ReportPartitions::ensure(pqxx::connection& connection,
                                                             const DecodedBatch& batch) {
  std::set<std::int64_t> unknown;
  for (const auto& record : batch.reports) {
    const auto day = dayOf(record.report);
    if (ready_.count(day) == 0) unknown.insert(day);
  }
  std::map<std::int64_t, std::string> refused;
  if (unknown.empty()) return refused;  // the common case: no round trip at all
  pqxx::work tx(connection, "webmon-partitions");
  // Creating a partition locks reports briefly; behind a long query it would hold every
  // insert up. A timeout makes it a failed batch, retried with back-off.
  tx.exec("SET LOCAL lock_timeout = '10s'");
  for (const auto day : unknown) {
    const auto row = tx.exec1("SELECT webmon_ensure_report_partition(" + tx.quote(dateText(day)) +
                              "::date, " + std::to_string(keep_days_) + ")");
    if (row[0].is_null()) {
      ready_.insert(day);
    } else {
      refused.emplace(day, row[0].as<std::string>());
    }
  }
  tx.commit();
  return refused;
}

DecodedBatch withoutDays(const DecodedBatch& batch,
                         const std::map<std::int64_t, std::string>& refused_days,
                         std::vector<RejectedRecord>& set_aside) {
  DecodedBatch kept;
  kept.rejected = batch.rejected;
  for (const auto& record : batch.reports) {
    const auto refused = refused_days.find(ReportPartitions::dayOf(record.report));
    if (refused == refused_days.end()) {
      kept.reports.push_back(record);
      continue;
    }
    set_aside.push_back(
        {record.position,
         record.raw.empty() ? common::encodeReport(record.report) : std::string(record.raw),
         refused->second});
    kept.rejected.push_back(set_aside.back());
  }
  return kept;
}

}  // namespace webmon::consumer
