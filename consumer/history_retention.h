#pragma once
// Keeps the history to its configured length (the retention section): drops the day
// partitions of reports older than retention.reports_days and deletes rollup rows older than
// retention.hourly_days / daily_days. Runs on a thread of its own, at start and then every
// hour, over a connection of its own; a failure (PostgreSQL down) is logged and tried again
// at the next turn, nothing else waits on it.

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/config.h"

namespace webmon::consumer {

/// One pass; returns how many partitions it dropped. Throws what libpqxx throws.
int applyRetention(const common::DbConfig& db, const common::RetentionConfig& retention);

class RetentionSchedule {
 public:
  RetentionSchedule(common::DbConfig db, common::RetentionConfig retention,
                    std::chrono::milliseconds interval = std::chrono::hours(1));
  ~RetentionSchedule();  // stops at once, a pass in progress finishes first
  RetentionSchedule(const RetentionSchedule&) = delete;
  RetentionSchedule& operator=(const RetentionSchedule&) = delete;

 private:
  void run();

  common::DbConfig db_;
  common::RetentionConfig retention_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

}  // namespace webmon::consumer
