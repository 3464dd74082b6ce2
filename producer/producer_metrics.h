#pragma once
// What the producer exposes on /metrics that it counts itself, in the probe loop. Values read
// from other parts (queue depth, Kafka state) are sampled at scrape time instead; see
// ProducerService.

#include <array>

#include "common/metrics.h"
#include "common/probe_report.h"

namespace webmon::producer {

class ProducerMetrics {
 public:
  explicit ProducerMetrics(common::metrics::Registry& registry);

  /// One finished probe: its result (ok or the error kind), duration and start lag.
  void recordProbe(const common::ProbeReport& report, double lag_seconds);

  common::metrics::Gauge& monitored_urls;
  common::metrics::Gauge& owned_urls;  // those this producer probes (its share, in a group)
  common::metrics::Counter& reloads_applied;
  common::metrics::Counter& reloads_rejected;
  common::metrics::Counter& skipped_runs;

 private:
  static constexpr std::size_t kErrorKinds = common::kErrorKinds.size();
  common::metrics::Counter& probes_ok_;
  std::array<common::metrics::Counter*, kErrorKinds> probes_failed_{};
  common::metrics::Histogram& duration_;
  common::metrics::Histogram& lag_;
};

}  // namespace webmon::producer
