#pragma once
// UTC hours and days as counts since the epoch, and how PostgreSQL reads them: the units of
// the rollups (reports_hourly, reports_daily) and of the day partitions of reports, which
// must agree on where an hour or a day begins.

#include <cstdint>
#include <string>

#include "common/probe_report.h"

namespace webmon::consumer {

inline constexpr std::int64_t kHourMs = 3'600'000;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;

/// The `unit_ms`-long period (since the epoch) `time` falls in; earlier than 1970 too.
inline std::int64_t periodOf(common::SystemTime time, std::int64_t unit_ms) {
  const auto ms = time.time_since_epoch().count();
  return ms >= 0 ? ms / unit_ms : -((-ms + unit_ms - 1) / unit_ms);
}

/// The start of period `n` as a UTC timestamp ("2026-12-02T05:00:00.000Z").
inline std::string periodStartText(std::int64_t n, std::int64_t unit_ms) {
  return common::formatRfc3339(common::SystemTime(std::chrono::milliseconds(n * unit_ms)));
}

/// Day `n` as a date ("2026-12-02").
inline std::string dateText(std::int64_t day) { return periodStartText(day, kDayMs).substr(0, 10); }

}  // namespace webmon::consumer
