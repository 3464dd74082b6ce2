#pragma once
// Moves reports from the ReportQueue to Kafka on its own thread, and puts back every report
// Kafka did not acknowledge. While the broker is unreachable it stops handing over reports and
// checks the broker again with capped exponential back-off.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/backoff.h"
#include "common/config.h"
#include "common/kafka_client.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "producer/report_queue.h"

namespace webmon::producer {

class KafkaPublisher {
 public:
  KafkaPublisher(const common::KafkaConfig& kafka, const common::ProducerConfig& producer,
                 ReportQueue& queue);
  ~KafkaPublisher();
  KafkaPublisher(const KafkaPublisher&) = delete;
  KafkaPublisher& operator=(const KafkaPublisher&) = delete;

  /// Publishes until `stop` becomes true, then flushes for at most the configured shutdown
  /// timeout. Returns how many reports could not be delivered before giving up.
  /// Throws common::KafkaError if librdkafka reports a fatal error, and common::SetupError if
  /// the cluster answers that the topic does not exist (and kafka.create_topic is not set).
  std::uint64_t run(const std::atomic<bool>& stop);

  std::uint64_t delivered() const noexcept { return delivered_.load(); }
  bool brokerUp() const noexcept { return broker_up_.load(); }
  /// Reports Kafka refused or timed out on (each is requeued, not lost).
  std::uint64_t deliveryErrors() const noexcept { return delivery_errors_.load(); }
  /// How long the broker has been unreachable; zero while it is up. Thread-safe.
  std::chrono::steady_clock::duration downFor() const noexcept {
    return broker_up_.load() ? std::chrono::steady_clock::duration{} : down_since_.elapsed();
  }

 private:
  static void onDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
  static void onError(rd_kafka_t*, int error, const char* reason, void* opaque);

  rd_kafka_resp_err_t produceOne(QueuedReport& report);
  void publish(std::vector<QueuedReport>& batch, const std::atomic<bool>& stop);
  void serveCallbacks(int timeout_ms);
  void waitForBroker(const std::atomic<bool>& stop);
  bool brokerReachable();
  void verifyTopic(std::chrono::milliseconds timeout);
  std::uint64_t flush();
  void markDown(const std::string& reason);

  const common::KafkaConfig kafka_;
  const common::ProducerConfig producer_config_;
  ReportQueue& queue_;
  common::RdKafkaPtr client_;
  common::RdKafkaTopicPtr topic_;  // declared after client_, so destroyed before it
  bool topic_verified_ = false;    // the cluster said the topic exists (or we created it)

  // Touched only on the publisher thread (librdkafka runs callbacks inside rd_kafka_poll).
  std::vector<QueuedReport> failed_;
  std::string last_error_;
  std::string fatal_error_;  // set by onError; the producer cannot continue
  common::Backoff backoff_;
  common::RateLimiter failure_log_{std::chrono::seconds(10)};

  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<bool> broker_up_{true};
  std::atomic<std::uint64_t> delivery_errors_{0};
  common::metrics::Moment down_since_;  // when broker_up_ last fell
};

}  // namespace webmon::producer
