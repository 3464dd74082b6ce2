#pragma once
// Hourly and daily rollups (reports_hourly, reports_daily) of the reports one transaction
// inserted, aggregated here per batch and added to the stored rows in the same transaction:
// a report is inserted once (a redelivery finds its id stored), so it is counted once.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/transaction_base>
#include <string>

#include "common/probe_report.h"

namespace webmon::consumer {

/// Upper bounds (ms, exclusive) of the latency buckets; the last bucket has none. Must equal
/// webmon_latency_bounds() in sql/migrations/009_rollups.sql (an integration test checks).
inline constexpr std::array<double, 20> kLatencyBoundsMs = {
    2,   5,   10,  20,   30,   50,   75,   100,  150,   200,
    300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000};
inline constexpr std::size_t kLatencyBuckets = kLatencyBoundsMs.size() + 1;

/// The bucket (from 0) counting a response time of `ms`: the number of bounds <= ms, as
/// PostgreSQL's width_bucket(ms, webmon_latency_bounds()) counts.
std::size_t latencyBucket(double ms);

/// One URL's probes in one hour or day.
struct Rollup {
  std::int64_t probes = 0, up = 0, degraded = 0, down = 0;
  // Over the probes that were up or degraded only, as sql/reports/latency.sql.
  double latency_sum_ms = 0;
  std::optional<double> latency_min_ms, latency_max_ms;
  std::array<std::int64_t, kLatencyBuckets> latency_buckets{};
  common::SystemTime first_checked_at{}, last_checked_at{};

  void add(const common::ProbeReport& report);
};

class BatchRollups {
 public:
  void add(const common::ProbeReport& report);
  bool empty() const noexcept { return hourly_.empty(); }

  /// Creates the session's staging tables (once per connection, before the first store).
  static void createStagingTables(pqxx::transaction_base& tx);
  /// Adds the rollups to reports_hourly and reports_daily (COPY into staging, then one
  /// additive upsert per table, in key order so two writers lock rows in the same order).
  void store(pqxx::transaction_base& tx) const;

 private:
  using Key = std::pair<std::string, std::int64_t>;  // url, hour or day since the epoch
  std::map<Key, Rollup> hourly_;
  std::map<Key, Rollup> daily_;
};

}  // namespace webmon::consumer
