#pragma once
// The Kafka publisher running on a thread of its own, stopped and joined however the owner's
// scope is left: a joinable std::thread destroyed while unwinding ends the process without a
// word. A failure on the thread requests a stop of the whole service and is rethrown by
// join().

#include <atomic>
#include <exception>
#include <thread>

#include "common/shutdown_signal.h"
#include "producer/kafka_publisher.h"

namespace webmon::producer {

class PublisherThread {
 public:
  PublisherThread(KafkaPublisher& publisher, common::ShutdownSignal& shutdown)
      : thread_([this, &publisher, &shutdown] {
          try {
            undelivered_ = publisher.run(stop_);
          } catch (...) {
            failure_ = std::current_exception();
            shutdown.request();
          }
        }) {}
  ~PublisherThread() {
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
    }
  }
  PublisherThread(const PublisherThread&) = delete;
  PublisherThread& operator=(const PublisherThread&) = delete;

  /// Flushes what is queued (within producer.shutdown_timeout) and stops; returns how many
  /// reports were still undelivered, or rethrows what the publisher threw.
  std::uint64_t join() {
    stop_ = true;
    thread_.join();
    if (failure_) std::rethrow_exception(failure_);
    return undelivered_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::exception_ptr failure_;
  std::uint64_t undelivered_ = 0;
  std::thread thread_;  // last: starts once the members it uses exist
};

}  // namespace webmon::producer
