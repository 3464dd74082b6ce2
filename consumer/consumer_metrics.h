#pragma once
// What the consumer exposes on /metrics, and what its /healthz judges by. Updated from the
// reading loop and the writer thread alike: every member is atomic.

#include "common/metrics.h"

namespace webmon::consumer {

struct ConsumerMetrics {
  explicit ConsumerMetrics(common::metrics::Registry& registry);

  common::metrics::Counter& batches;
  common::metrics::Counter& rows_inserted;
  common::metrics::Counter& duplicates;
  common::metrics::Counter& rejected;
  common::metrics::Counter& transaction_failures;
  common::metrics::Counter& commit_failures;
  common::metrics::Counter& offset_mismatches;
  common::metrics::Histogram& transaction_seconds;
  common::metrics::Histogram& commit_seconds;

  // Since when each condition holds, for /healthz (clear: it does not).
  common::metrics::Moment database_failing;  // the first failure since the last success
  common::metrics::Moment kafka_down;        // every broker unreachable (KafkaReader sets it)
  common::metrics::Moment commit_running;    // a synchronous offset commit in progress
  common::metrics::Moment write_running;     // a write attempt in progress
};

}  // namespace webmon::consumer
