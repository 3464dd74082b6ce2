#pragma once
// When maintenance windows are: their occurrences as instants. The windows are written in
// local time and a time zone, and PostgreSQL's time zone rules (the same tzdata the config
// reader checked names against) turn them into instants, daylight saving included, so the
// consumer carries no calendar code of its own.

#include <pqxx/transaction_base>
#include <vector>

#include "common/alerts_config.h"
#include "common/probe_report.h"

namespace webmon::consumer::alerts {

struct MaintenanceInterval {
  common::SystemTime start, end;  // [start, end)
};

/// Every occurrence of each window in `windows` that overlaps [from, to], in the windows'
/// order: one query for all of them.
std::vector<std::vector<MaintenanceInterval>> maintenanceIntervals(
    pqxx::transaction_base& tx, const std::vector<const common::MaintenanceWindow*>& windows,
    common::SystemTime from, common::SystemTime to);

bool insideAny(const std::vector<MaintenanceInterval>& intervals, common::SystemTime at);

}  // namespace webmon::consumer::alerts
