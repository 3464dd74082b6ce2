#pragma once
// Delivers the outbox (the notifications table) to the receivers, on a thread of its own with
// its own PostgreSQL connection. Several consumers may run one each: a receiver's
// notifications are sent by one dispatcher at a time (an advisory lock per receiver, so they
// go out in the order they were queued) and each row is claimed with FOR UPDATE SKIP LOCKED
// in a transaction of its own, which marks it delivered only after the receiver said 2xx.
// A crash between the answer and the mark sends that one notification again, with the same
// Idempotency-Key. A receiver that fails is retried with capped exponential back-off, all its
// notifications kept; it shows as failing in notification_receivers, the metrics and /healthz.
// Reminders for open incidents are queued here too.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>
#include <thread>

#include "common/config.h"
#include "common/metrics.h"
#include "common/shutdown_signal.h"
#include "consumer/alerts/alert_policy.h"
#include "consumer/alerts/delivery.h"

namespace webmon::consumer::alerts {

struct DispatcherOptions {
  std::chrono::milliseconds poll_interval{1'000};  // between rounds when there is nothing due
  std::chrono::milliseconds first_retry{5'000};    // back-off after a receiver's first failure
  std::chrono::milliseconds longest_retry{300'000};
  int per_receiver_per_round = 100;  // so one busy receiver does not starve the others
};

struct RoundResult {
  std::size_t delivered = 0, failed = 0, reminders = 0;
};

class NotificationDispatcher {
 public:
  using Sender = std::function<DeliveryOutcome(const common::AlertReceiver&, const Notification&)>;

  NotificationDispatcher(common::DbConfig db, AlertPolicy policy, DispatcherOptions options,
                         common::metrics::Registry* registry = nullptr, Sender sender = deliver);
  ~NotificationDispatcher();
  NotificationDispatcher(const NotificationDispatcher&) = delete;
  NotificationDispatcher& operator=(const NotificationDispatcher&) = delete;

  /// One round: queue the reminders due, then deliver what is due, receiver by receiver.
  /// Throws pqxx errors (the thread logs them and tries again later).
  RoundResult runRound();

  /// Runs rounds on a thread until stop() or `shutdown`.
  void start(common::ShutdownSignal& shutdown);
  void stop();

  /// Since when some receiver has been failing (clear: none is), and which, for /healthz.
  const common::metrics::Moment& failingSince() const noexcept { return failing_since_; }
  std::string failingReceivers() const;

 private:
  pqxx::connection& connection();
  std::size_t queueReminders();
  void deliverTo(const std::string& receiver, RoundResult& result);
  void noteReceiver(const std::string& receiver, const DeliveryOutcome& outcome);
  struct ReceiverCounters {
    common::metrics::Counter* sent;
    common::metrics::Counter* failed;
  };
  ReceiverCounters* countersOf(const std::string& receiver);

  common::DbConfig db_;
  AlertPolicy policy_;
  DispatcherOptions options_;
  Sender sender_;
  std::unique_ptr<pqxx::connection> connection_;
  common::metrics::Registry* registry_;
  std::map<std::string, ReceiverCounters> counters_;  // the dispatcher's thread only, once started
  common::metrics::Moment failing_since_;
  mutable std::mutex failing_mutex_;
  std::map<std::string, std::string> failing_;  // receiver -> last error
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace webmon::consumer::alerts
