#pragma once
// Runs every kind of probe on one thread: http, tcp and tls through libcurl, dns through
// c-ares, waiting on both libraries' sockets (and the caller's wake-up fds) in one poll.

#include <chrono>
#include <memory>
#include <vector>

#include "producer/curl_prober.h"
#include "producer/dns_prober.h"

namespace webmon::producer {

class ProbeRunner {
 public:
  explicit ProbeRunner(std::string user_agent);

  /// Starts probing `url` now, with the prober its type needs. `attempt` (from 1) comes back
  /// in the result, for URLs that make several attempts per period.
  void start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
             ProbeScheduler::TimePoint planned, int attempt = 1);
  std::size_t inFlight() const noexcept;

  /// Waits up to `timeout` for any probe's sockets or one of `wake_fds` (negative entries are
  /// ignored), advances every probe, and appends those that finished to `finished`.
  void poll(std::chrono::milliseconds timeout, const std::vector<int>& wake_fds,
            std::vector<ProbeResult>& finished);

 private:
  CurlProber curl_;
  DnsProber dns_;
  std::vector<WaitFd> waits_;  // reused between polls
};

}  // namespace webmon::producer
