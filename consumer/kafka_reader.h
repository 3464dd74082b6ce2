#pragma once
// The consumer's side of Kafka: a consumer-group member that hands out batches and commits
// offsets only when told to (auto-commit is off).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/kafka_client.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "consumer/batch_endpoints.h"
#include "consumer/decoded_batch.h"

namespace webmon::consumer {

class KafkaReader final : public BatchSource {
 public:
  /// `brokers_down` is set while every broker is unreachable (librdkafka's "all brokers
  /// down") and cleared when one answers again; /healthz reads it from another thread.
  KafkaReader(const common::KafkaConfig& kafka, const common::ConsumerConfig& consumer,
              common::metrics::Moment& brokers_down);
  ~KafkaReader();
  KafkaReader(const KafkaReader&) = delete;
  KafkaReader& operator=(const KafkaReader&) = delete;

  /// Up to `max` messages, waiting at most `wait` in total; returns early (possibly empty)
  /// when `stop_fd` becomes readable.
  std::vector<ConsumedMessage> pollBatch(std::size_t max, std::chrono::milliseconds wait,
                                         int stop_fd) override;

  /// Commits, synchronously, the offset after the last message of each partition in `batch`.
  /// Returns false (and logs why) if Kafka refused, e.g. because the group rebalanced; the
  /// messages are then redelivered, which is harmless because inserts are idempotent.
  bool commit(const std::vector<ConsumedMessage>& batch) override;

  /// Leaves the group cleanly, so the partitions move to another member at once.
  void close() override;

  /// While the brokers are down, asks one for metadata (at most every second, waiting at most
  /// 500 ms) so an idle topic does not leave the state at "down" after they are back.
  void checkBrokers() override;

  struct PartitionLag {
    std::int32_t partition;
    std::int64_t lag;  // messages on the partition after our last committed offset
  };
  /// For each partition assigned to us: the broker's high watermark (as last fetched; no
  /// network round trip) minus the offset we last committed, or minus our read position
  /// before our first commit. Thread-safe: the /metrics thread calls it.
  std::vector<PartitionLag> lag() const;

 private:
  static void onError(rd_kafka_t*, int error, const char* reason, void* opaque);

  std::string topic_;
  mutable std::mutex committed_mutex_;
  std::map<std::int32_t, std::int64_t> committed_;  // partition -> next offset, as committed
  std::atomic<bool> closed_{false};                 // read by lag() on the /metrics thread
  common::metrics::Moment& brokers_down_;
  std::chrono::steady_clock::time_point last_check_{};
  common::RateLimiter error_log_{std::chrono::seconds(10)};
  // Last, so it is destroyed first: librdkafka may call onError until it is gone.
  common::RdKafkaPtr client_;
};

}  // namespace webmon::consumer
