// The retention section: how many days of raw reports and of each rollup the consumer keeps.

#include "common/config.h"
#include "common/config_sections.h"

namespace webmon::common::config_sections {
namespace {

constexpr long long kMaxDays = 100 * 366;

// 0 means for ever, so it is longer than any number of days.
long long span(int days) { return days == 0 ? kMaxDays + 1 : days; }

std::string describe(int days) { return days == 0 ? "0: for ever" : std::to_string(days); }

}  // namespace

void readRetention(const ConfigReader& node, RetentionConfig& out) {
  node.rejectUnknownKeys({"reports_days", "hourly_days", "daily_days"});
  const auto reports = node.field("reports_days");
  const auto hourly = node.field("hourly_days");
  const auto daily = node.field("daily_days");
  if (auto days = reports.integer(0, kMaxDays)) out.reports_days = static_cast<int>(*days);
  if (auto days = hourly.integer(0, kMaxDays)) out.hourly_days = static_cast<int>(*days);
  if (auto days = daily.integer(0, kMaxDays)) out.daily_days = static_cast<int>(*days);
  // Uptime over a window reads the rollups (the hourly ones for the part of its first day),
  // so each rollup must reach back at least as far as what it stands in for.
  if (span(out.hourly_days) < span(out.reports_days)) {
    (hourly.present() ? hourly : reports)
        .failWithoutValue("retention.hourly_days (" + describe(out.hourly_days) +
                          ") must be 0 (for ever) or at least retention.reports_days (" +
                          describe(out.reports_days) + ")");
  } else if (span(out.daily_days) < span(out.hourly_days)) {
    (daily.present() ? daily : hourly)
        .failWithoutValue("retention.daily_days (" + describe(out.daily_days) +
                          ") must be 0 (for ever) or at least retention.hourly_days (" +
                          describe(out.hourly_days) + ")");
  }
}

}  // namespace webmon::common::config_sections
