#include "producer/report_queue.h"

#include <algorithm>

namespace webmon::producer {

ReportQueue::ReportQueue(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}

void ReportQueue::dropOverflowLocked() {
  while (items_.size() > limit_) {
    items_.pop_front();
    dropped_.fetch_add(1);
  }
}

void ReportQueue::push(QueuedReport report) {
  {
    std::lock_guard lock(mutex_);
    items_.push_back(std::move(report));
    dropOverflowLocked();
  }
  not_empty_.notify_one();
}

void ReportQueue::requeueFront(std::vector<QueuedReport>&& reports) {
  if (reports.empty()) return;
  {
    std::lock_guard lock(mutex_);
    items_.insert(items_.begin(), std::make_move_iterator(reports.begin()),
                  std::make_move_iterator(reports.end()));
    dropOverflowLocked();
  }
  reports.clear();
  not_empty_.notify_one();
}

std::vector<QueuedReport> ReportQueue::popBatch(std::size_t max, std::chrono::milliseconds wait) {
  std::vector<QueuedReport> batch;
  std::unique_lock lock(mutex_);
  if (items_.empty() && wait.count() > 0) {
    not_empty_.wait_for(lock, wait, [this] { return !items_.empty(); });
  }
  const std::size_t count = std::min(max, items_.size());
  batch.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    batch.push_back(std::move(items_.front()));
    items_.pop_front();
  }
  return batch;
}

std::size_t ReportQueue::size() const {
  std::lock_guard lock(mutex_);
  return items_.size();
}

}  // namespace webmon::producer
