#include "consumer/history_retention.h"

#include <spdlog/spdlog.h>

#include <pqxx/connection>
#include <pqxx/result>
#include <pqxx/transaction>

namespace webmon::consumer {

int applyRetention(const common::DbConfig& db, const common::RetentionConfig& retention) {
  pqxx::connection connection(db.connectionString());
  pqxx::work tx(connection, "webmon-retention");
  // Dropping a partition waits for every query on reports to finish, and while it waits new
  // inserts queue behind it: give up after a few seconds and try again at the next pass.
  tx.exec("SET LOCAL lock_timeout = '5s'");
  int dropped = 0;
  if (retention.reports_days > 0) {
    for (const auto& row : tx.exec("SELECT webmon_drop_report_partitions(" +
                                   std::to_string(retention.reports_days) + ")")) {
      spdlog::info("retention: dropped {} (reports older than {} days)", row[0].c_str(),
                   retention.reports_days);
      ++dropped;
    }
  }
  const auto trimmed =
      tx.exec1("SELECT webmon_trim_rollups(" + std::to_string(retention.hourly_days) + ", " +
               std::to_string(retention.daily_days) + ")")[0]
          .as<long long>();
  if (trimmed > 0) spdlog::info("retention: deleted {} rollup rows past their retention", trimmed);
  tx.commit();
  return dropped;
}

RetentionSchedule::RetentionSchedule(common::DbConfig db, common::RetentionConfig retention,
                                     std::chrono::milliseconds interval)
    : db_(std::move(db)), retention_(retention), interval_(interval), thread_([this] { run(); }) {}

RetentionSchedule::~RetentionSchedule() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RetentionSchedule::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    try {
      applyRetention(db_, retention_);
    } catch (const std::exception& error) {
      spdlog::warn("retention pass failed ({}); trying again in {} s",
                   common::maskPassword(error.what()),
                   std::chrono::duration_cast<std::chrono::seconds>(interval_).count());
    }
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

}  // namespace webmon::consumer
