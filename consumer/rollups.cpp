#include "consumer/rollups.h"

#include <fmt/format.h>

#include <algorithm>
#include <pqxx/stream_to>

#include "consumer/utc_periods.h"

namespace webmon::consumer {
namespace {

// The columns both rollup tables share after their time key.
constexpr std::array<std::string_view, 11> kValueColumns = {"probes",
                                                            "up",
                                                            "degraded",
                                                            "down",
                                                            "latency_sum_ms",
                                                            "latency_min_ms",
                                                            "latency_max_ms",
                                                            "latency_buckets",
                                                            "first_checked_at",
                                                            "last_checked_at",
                                                            "url"};

struct Table {
  std::string_view name;
  std::string_view staging;
  std::string_view key;  // the time column
};
constexpr Table kHourly{"reports_hourly", "webmon_hourly_staging", "hour"};
constexpr Table kDaily{"reports_daily", "webmon_daily_staging", "day"};

std::string text(double value) { return fmt::format("{}", value); }

std::string bucketsText(const Rollup& rollup) {
  std::string out = "{";
  for (std::size_t i = 0; i < rollup.latency_buckets.size(); ++i) {
    out += (i ? "," : "") + std::to_string(rollup.latency_buckets[i]);
  }
  return out + "}";
}

std::vector<std::string> columns(const Table& table) {
  std::vector<std::string> out{std::string(table.key)};
  for (auto column : kValueColumns) out.emplace_back(column);
  return out;
}

// The key as PostgreSQL reads it: an hour as a UTC timestamp, a day as a date.
std::string keyText(const Table& table, std::int64_t units) {
  return &table == &kHourly ? periodStartText(units, kHourMs) : dateText(units);
}

void copyRollups(pqxx::transaction_base& tx, const Table& table,
                 const std::map<std::pair<std::string, std::int64_t>, Rollup>& rollups) {
  pqxx::stream_to stream(tx, std::string(table.staging), columns(table));
  for (const auto& [key, rollup] : rollups) {
    const std::string values[] = {keyText(table, key.second),
                                  std::to_string(rollup.probes),
                                  std::to_string(rollup.up),
                                  std::to_string(rollup.degraded),
                                  std::to_string(rollup.down),
                                  text(rollup.latency_sum_ms),
                                  rollup.latency_min_ms ? text(*rollup.latency_min_ms) : "",
                                  rollup.latency_max_ms ? text(*rollup.latency_max_ms) : "",
                                  bucketsText(rollup),
                                  common::formatRfc3339(rollup.first_checked_at),
                                  common::formatRfc3339(rollup.last_checked_at)};
    std::array<const char*, kValueColumns.size() + 1> row{};
    for (std::size_t i = 0; i < std::size(values); ++i) row[i] = values[i].c_str();
    row[6] = rollup.latency_min_ms ? row[6] : nullptr;  // SQL NULL: no probe was up
    row[7] = rollup.latency_max_ms ? row[7] : nullptr;
    row[kValueColumns.size()] = key.first.c_str();
    stream << row;
  }
  stream.complete();
}

// Adds the staged rows to the table: counts and sums add up, minima and maxima widen.
void upsert(pqxx::transaction_base& tx, const Table& table) {
  const auto key = std::string(table.key);
  tx.exec(fmt::format(
      "INSERT INTO {0} AS t (url, {1}, probes, up, degraded, down, latency_sum_ms, "
      "latency_min_ms, latency_max_ms, latency_buckets, first_checked_at, last_checked_at) "
      "SELECT url, {1}, probes, up, degraded, down, latency_sum_ms, latency_min_ms, "
      "latency_max_ms, latency_buckets, first_checked_at, last_checked_at FROM {2} "
      "ORDER BY url, {1} "
      "ON CONFLICT (url, {1}) DO UPDATE SET probes = t.probes + EXCLUDED.probes, "
      "up = t.up + EXCLUDED.up, degraded = t.degraded + EXCLUDED.degraded, "
      "down = t.down + EXCLUDED.down, "
      "latency_sum_ms = t.latency_sum_ms + EXCLUDED.latency_sum_ms, "
      "latency_min_ms = LEAST(t.latency_min_ms, EXCLUDED.latency_min_ms), "
      "latency_max_ms = GREATEST(t.latency_max_ms, EXCLUDED.latency_max_ms), "
      "latency_buckets = webmon_add_buckets(t.latency_buckets, EXCLUDED.latency_buckets), "
      "first_checked_at = LEAST(t.first_checked_at, EXCLUDED.first_checked_at), "
      "last_checked_at = GREATEST(t.last_checked_at, EXCLUDED.last_checked_at)",
      table.name, key, table.staging));
}

}  // namespace

std::size_t latencyBucket(double ms) {
  return static_cast<std::size_t>(
      std::upper_bound(kLatencyBoundsMs.begin(), kLatencyBoundsMs.end(), ms) -
      kLatencyBoundsMs.begin());
}

void Rollup::add(const common::ProbeReport& report) {
  if (probes == 0 || report.checked_at < first_checked_at) first_checked_at = report.checked_at;
  if (probes == 0 || report.checked_at > last_checked_at) last_checked_at = report.checked_at;
  ++probes;
  switch (report.status()) {
    case common::ProbeStatus::Up:
      ++up;
      break;
    case common::ProbeStatus::Degraded:
      ++degraded;
      break;
    case common::ProbeStatus::Down:
      ++down;
      return;  // no latency for a failure
  }
  const double ms = report.response_time_ms;
  latency_sum_ms += ms;
  latency_min_ms = latency_min_ms ? std::min(*latency_min_ms, ms) : ms;
  latency_max_ms = latency_max_ms ? std::max(*latency_max_ms, ms) : ms;
  ++latency_buckets[latencyBucket(ms)];
}

void BatchRollups::add(const common::ProbeReport& report) {
  hourly_[{report.url, periodOf(report.checked_at, kHourMs)}].add(report);
  daily_[{report.url, periodOf(report.checked_at, kDayMs)}].add(report);
}

void BatchRollups::createStagingTables(pqxx::transaction_base& tx) {
  for (const Table* table : {&kHourly, &kDaily}) {
    tx.exec(
        fmt::format("CREATE TEMPORARY TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
                    table->staging, table->name));
  }
}

void BatchRollups::store(pqxx::transaction_base& tx) const {
  if (empty()) return;
  copyRollups(tx, kHourly, hourly_);
  copyRollups(tx, kDaily, daily_);
  upsert(tx, kHourly);
  upsert(tx, kDaily);
}

}  // namespace webmon::consumer
