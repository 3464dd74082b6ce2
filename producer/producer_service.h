#pragma once
// The producer service: starts the Kafka publisher on its thread and the status server, then
// turns ProbeLoop (schedule, probe, queue reports) until a stop is requested, and drains.

#include <atomic>
#include <cstdint>
#include <string>

#include "common/config.h"
#include "common/shutdown_signal.h"

namespace webmon::producer {

struct ProducerTotals {
  std::uint64_t probes = 0;
  std::uint64_t probes_ok = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;      // oldest reports dropped because the queue was full
  std::uint64_t undelivered = 0;  // still queued when the shutdown timeout ran out
};

class ProducerService {
 public:
  /// `config_path` is where the config came from: monitored_urls are read again from it on
  /// SIGHUP and, unless producer.watch_config is false, whenever the file changes.
  ProducerService(common::Config config, std::string config_path, common::ShutdownSignal& shutdown);
  /// Runs until a shutdown is requested, then drains in-flight probes and flushes to Kafka.
  ProducerTotals run();

 private:
  common::Config config_;
  std::string config_path_;
  common::ShutdownSignal& shutdown_;
};

}  // namespace webmon::producer
