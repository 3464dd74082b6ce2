#include "consumer/consumer_metrics.h"

namespace webmon::consumer {
ConsumerMetrics::ConsumerMetrics(common::metrics::Registry& registry)
    : batches(registry.counter("webmon_consumer_batches_total",
                               "Batches stored in PostgreSQL (one transaction each).")),
      rows_inserted(registry.counter("webmon_rows_inserted_total", "Report rows inserted.")),
      duplicates(registry.counter("webmon_reports_duplicate_total",
                                  "Reports whose id was already stored (redeliveries).")),
      rejected(registry.counter("webmon_reports_rejected_total",
                                "Messages that were not valid reports, kept in rejected_reports.")),
      transaction_failures(registry.counter("webmon_transaction_failures_total",
                                            "PostgreSQL transactions that failed and were rolled "
                                            "back; the batch was retried.")),
      commit_failures(registry.counter("webmon_offset_commit_failures_total",
                                       "Offset commits Kafka refused (e.g. during a rebalance); "
                                       "the stored offsets decide what is read again.")),
      offset_mismatches(registry.counter(
          "webmon_consumer_offset_mismatches_total",
          "Partitions of a batch not written because the database had stored that partition "
          "up to another offset (another consumer stored the range, or it was read twice); "
          "the partition is read again from the stored offset.")),
      transaction_seconds(registry.histogram(
          "webmon_transaction_seconds", "Time to store one batch, retries included.",
          {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60})),
      commit_seconds(registry.histogram("webmon_offset_commit_seconds",
                                        "Time to commit one batch's offsets to Kafka.",
                                        {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5})) {
  // A commit normally takes milliseconds: one waiting a second means Kafka does not answer.
  registry.sampled(
      "webmon_consumer_kafka_up",
      "0 while every broker is unreachable or an offset commit has waited over a second.", "gauge",
      [this] {
        const bool down = kafka_down.isSet() || commit_running.elapsed() > std::chrono::seconds(1);
        return down ? 0.0 : 1.0;
      });
}

}  // namespace webmon::consumer
