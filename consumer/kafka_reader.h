#pragma once
// The consumer's side of Kafka: a consumer-group member that hands out batches and commits
// offsets only when told to (auto-commit is off).

#include <chrono>
#include <cstdint>
#include <vector>

#include "common/config.h"
#include "common/kafka_client.h"
#include "common/logging.h"
#include "consumer/decoded_batch.h"

namespace webmon::consumer {

class KafkaReader {
 public:
  KafkaReader(const common::KafkaConfig& kafka, const common::ConsumerConfig& consumer);
  ~KafkaReader();
  KafkaReader(const KafkaReader&) = delete;
  KafkaReader& operator=(const KafkaReader&) = delete;

  /// Up to `max` messages, waiting at most `wait` in total; returns early (possibly empty)
  /// when `stop_fd` becomes readable.
  std::vector<ConsumedMessage> pollBatch(std::size_t max, std::chrono::milliseconds wait,
                                         int stop_fd);

  /// Commits, synchronously, the offset after the last message of each partition in `batch`.
  /// Returns false (and logs why) if Kafka refused, e.g. because the group rebalanced; the
  /// messages are then redelivered, which is harmless because inserts are idempotent.
  bool commit(const std::vector<ConsumedMessage>& batch);

  /// Leaves the group cleanly, so the partitions move to another member at once.
  void close();

 private:
  common::RdKafkaPtr client_;
  bool closed_ = false;
  common::RateLimiter error_log_{std::chrono::seconds(10)};
};

}  // namespace webmon::consumer
