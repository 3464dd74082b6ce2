#pragma once
// What the probe loop needs of whatever runs its probes: ProbeRunner (libcurl and c-ares) in
// the service, a scripted fake in the loop's unit tests.

#include <chrono>
#include <memory>
#include <vector>

#include "common/config.h"
#include "producer/probe_result.h"
#include "producer/probe_scheduler.h"

namespace webmon::producer {

class Prober {
 public:
  virtual ~Prober() = default;
  /// Starts probing `url` now; `attempt` (from 1) comes back in the result.
  virtual void start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
                     ProbeScheduler::TimePoint planned, int attempt) = 0;
  virtual std::size_t inFlight() const noexcept = 0;
  /// Waits up to `timeout` for the probes or one of `wake_fds` (negative entries ignored) and
  /// appends the probes that finished to `finished`.
  virtual void poll(std::chrono::milliseconds timeout, const std::vector<int>& wake_fds,
                    std::vector<ProbeResult>& finished) = 0;
};

}  // namespace webmon::producer
