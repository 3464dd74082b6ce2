#pragma once
// The two ends the consumer loop moves batches between: where they are read and committed
// (KafkaReader) and where they are stored (ReportWriter). The loop's unit tests put scripted
// ones in their place.

#include <chrono>
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
};

class BatchStore {
 public:
  virtual ~BatchStore() = default;
  /// Stores the whole batch in one transaction; throws WriteFailed when nothing of it was
  /// stored and it may be tried again.
  virtual WriteResult write(const DecodedBatch& batch) = 0;
};

}  // namespace webmon::consumer
