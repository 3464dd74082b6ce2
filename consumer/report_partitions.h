#pragma once
// The day partitions of `reports` (migration 010): before a batch is written, every UTC day
// its reports fall on gets its partition (webmon_ensure_report_partition), in a short
// transaction of its own so the batch's transaction does not hold the lock that creating a
// partition takes. A day PostgreSQL will not give one (older than the retention, or too far
// ahead) sends its reports to rejected_reports with the reason.

#include <cstdint>
#include <map>
#include <pqxx/connection>
#include <set>
#include <string>

#include "consumer/decoded_batch.h"

namespace webmon::consumer {

class ReportPartitions {
 public:
  /// `keep_days`: retention.reports_days (0: for ever).
  explicit ReportPartitions(int keep_days) : keep_days_(keep_days) {}

  /// Makes sure each day of `batch` has its partition. Returns the days that have none, with
  /// why. Throws what libpqxx throws (the caller turns it into a retry).
  std::map<std::int64_t, std::string> ensure(pqxx::connection& connection,
                                             const DecodedBatch& batch);

  /// The UTC day (since the epoch) a report falls on.
  static std::int64_t dayOf(const common::ProbeReport& report);

 private:
  int keep_days_;
  std::set<std::int64_t> ready_;  // days known to have a partition
};

/// `batch` with the reports of `refused_days` moved to its rejected list, each with its day's
/// reason; `set_aside` gets a copy of those records.
DecodedBatch withoutDays(const DecodedBatch& batch,
                         const std::map<std::int64_t, std::string>& refused_days,
                         std::vector<RejectedRecord>& set_aside);

}  // namespace webmon::consumer
