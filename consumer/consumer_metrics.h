#pragma once
// What the consumer exposes on /metrics, and what its /healthz judges by. Updated from the
// reading loop and the writer thread alike: every member is atomic.

#include <atomic>
#include <chrono>
#include <optional>

#include "common/metrics.h"

namespace webmon::consumer {

struct ConsumerMetrics {
  explicit ConsumerMetrics(common::metrics::Registry& registry);

  common::metrics::Counter& batches;
  common::metrics::Counter& rows_inserted;
  common::metrics::Counter& duplicates;
  common::metrics::Counter& rejected;
  common::metrics::Counter& transaction_failures;
  common::metrics::Counter& commit_failures;
  common::metrics::Histogram& transaction_seconds;
  common::metrics::Histogram& commit_seconds;

  /// Called by the writer after each attempt: when PostgreSQL started failing, for /healthz.
  void databaseFailed(std::chrono::steady_clock::time_point now);
  void databaseSucceeded() { database_failing_since_ = 0; }
  /// How long PostgreSQL has been failing without a success in between; zero when it is not.
  std::chrono::steady_clock::duration databaseFailingFor() const;

  /// Kafka's state as the reading loop last saw it (KafkaReader::downSince).
  void kafkaDownSince(std::optional<std::chrono::steady_clock::time_point> since) {
    kafka_down_since_ = since ? since->time_since_epoch().count() : 0;
  }
  /// How long every broker has been unreachable; zero while one is reachable.
  std::chrono::steady_clock::duration kafkaDownFor() const;

  /// Around each (synchronous) offset commit, which waits as long as Kafka does not answer.
  void commitStarted(std::chrono::steady_clock::time_point now) {
    commit_started_ = now.time_since_epoch().count();
  }
  void commitEnded() { commit_started_ = 0; }
  std::chrono::steady_clock::duration commitRunningFor() const;

  /// Around each write attempt, so /healthz can tell a database that hangs from one that fails.
  void writeStarted(std::chrono::steady_clock::time_point now) {
    write_started_ = now.time_since_epoch().count();
  }
  void writeEnded() { write_started_ = 0; }
  /// How long the current write attempt has been running; zero when none is.
  std::chrono::steady_clock::duration writeRunningFor() const;

 private:
  std::atomic<std::chrono::steady_clock::rep> database_failing_since_{0};
  std::atomic<std::chrono::steady_clock::rep> write_started_{0};
  std::atomic<std::chrono::steady_clock::rep> kafka_down_since_{0};
  std::atomic<std::chrono::steady_clock::rep> commit_started_{0};
};

}  // namespace webmon::consumer
