#pragma once
// The consumer's side of Kafka: a consumer-group member that hands out batches and commits
// offsets only when told to (auto-commit is off). A partition assigned to it is read from the
// offset stored with the rows in PostgreSQL (consumer/stored_offsets.h), or from Kafka's
// committed offset when the database cannot say.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/kafka_client.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "consumer/batch_endpoints.h"
#include "consumer/decoded_batch.h"
#include "consumer/stored_offsets.h"

namespace webmon::consumer {

class KafkaReader final : public BatchSource {
 public:
  /// `brokers_down` is set while every broker is unreachable (librdkafka's "all brokers
  /// down") and cleared when one answers again; /healthz reads it from another thread.
  /// `stored` (kept, may be null: Kafka's committed offsets only) tells assigned partitions
  /// where to start.
  KafkaReader(const common::KafkaConfig& kafka, const common::ConsumerConfig& consumer,
              common::metrics::Moment& brokers_down, StoredOffsets* stored);
  ~KafkaReader();
  KafkaReader(const KafkaReader&) = delete;
  KafkaReader& operator=(const KafkaReader&) = delete;

  /// Up to `max` messages, waiting at most `wait` in total; returns early (possibly empty)
  /// when `stop_fd` becomes readable. A rebalance while the batch fills drops what was read
  /// before it: the partitions are read again from where the new assignment starts them.
  std::vector<ConsumedMessage> pollBatch(std::size_t max, std::chrono::milliseconds wait,
                                         int stop_fd) override;

  /// Commits, synchronously, the offset after the last message of each partition in `batch`.
  /// Returns false (and logs why) if Kafka refused, e.g. because the group rebalanced; the
  /// rows are stored all the same, and the stored offsets keep them from being stored twice.
  bool commit(const std::vector<ConsumedMessage>& batch) override;

  /// Leaves the group cleanly, so the partitions move to another member at once.
  void close() override;

  std::optional<LogRange> logRange(const std::string& topic, std::int32_t partition) override;
  void rewind(const std::string& topic, std::int32_t partition, std::int64_t offset) override;

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
  static void onRebalance(rd_kafka_t*, rd_kafka_resp_err_t event,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void rebalance(rd_kafka_t* client, rd_kafka_resp_err_t event,
                 rd_kafka_topic_partition_list_t* partitions);
  void startFromStoredOffsets(rd_kafka_topic_partition_list_t* partitions);

  std::string topic_;
  StoredOffsets* stored_;
  bool rebalanced_ = false;  // set by the rebalance callback, inside rd_kafka_consumer_poll
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
