#pragma once
// The bounded buffer between the prober and Kafka. When full it drops the oldest reports,
// counting every one, because recent availability data is worth more than stale data.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace webmon::producer {

struct QueuedReport {
  std::string key;      // the URL: Kafka keeps one URL's reports in one partition, in order
  std::string payload;  // the encoded JSON report
};

class ReportQueue {
 public:
  explicit ReportQueue(std::size_t limit);

  /// Appends a new report; if the queue is full the oldest one is dropped to make room.
  void push(QueuedReport report);
  /// Puts reports that Kafka failed to take back at the front, in their original order (they
  /// are older than anything queued). Drops from the front if that overflows the limit.
  void requeueFront(std::vector<QueuedReport>&& reports);
  /// Takes up to `max` reports, waiting up to `wait` for the first one.
  std::vector<QueuedReport> popBatch(std::size_t max, std::chrono::milliseconds wait);

  std::size_t size() const;
  std::size_t limit() const noexcept { return limit_; }
  std::uint64_t dropped() const noexcept { return dropped_.load(); }

 private:
  void dropOverflowLocked();

  const std::size_t limit_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::deque<QueuedReport> items_;
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace webmon::producer
