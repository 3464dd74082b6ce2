#pragma once
// The two ends the consumer loop moves batches between: where they are read and committed
// (KafkaReader) and where they are stored (ReportWriter). The loop's unit tests put scripted
// ones in their place.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "consumer/decoded_batch.h"
#include "consumer/write_result.h"

namespace webmon::consumer {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  /// Up to `max` messages, waiting at most `wait`; returns early when `stop_fd` is readable.
  virtual std::vector<ConsumedMessage> pollBatch(std::size_t max, std::chrono::milliseconds wait,
                                                 int stop_fd) = 0;
  /// Commits the offset after the last message of each partition in `batch`; false if the
  /// source refused (the messages will come again).
  virtual bool commit(const std::vector<ConsumedMessage>& batch) = 0;
  /// Called after a poll that returned nothing: a chance to notice brokers coming back.
  virtual void checkBrokers() = 0;
  /// Leaves the group cleanly.
  virtual void close() = 0;

  /// The offsets a partition holds now: [low, high), asked of its leader. nullopt if it
  /// cannot be told (the broker does not answer).
  struct LogRange {
    std::int64_t low = 0;
    std::int64_t high = 0;
  };
  virtual std::optional<LogRange> logRange(const std::string& topic, std::int32_t partition) = 0;
  /// Reads `partition` again from `offset`, if it is still assigned to this consumer; what was
  /// fetched of it before is dropped.
  virtual void rewind(const std::string& topic, std::int32_t partition, std::int64_t offset) = 0;
};

class BatchStore {
 public:
  virtual ~BatchStore() = default;
  /// Stores the whole batch in one transaction; throws WriteFailed when nothing of it was
  /// stored and it may be tried again.
  virtual WriteResult write(const DecodedBatch& batch) = 0;
  /// Moves the offset stored for a partition from `from` to `to`, if it is still `from`
  /// (returns false if it was not, or the database cannot be reached).
  virtual bool moveStoredOffset(const std::string& topic, std::int32_t partition, std::int64_t from,
                                std::int64_t to) = 0;
};

}  // namespace webmon::consumer
