#pragma once
// Runs every kind of probe on one thread: http, tcp and tls through libcurl, dns through
// c-ares, waiting on both libraries' sockets (and the caller's wake-up fds) in one poll. The
// host names of http, tcp and tls probes are resolved here first (HostResolver), and libcurl
// is handed the addresses.

#include <chrono>
#include <memory>
#include <unordered_map>
#include <vector>

#include "producer/curl_prober.h"
#include "producer/dns_prober.h"
#include "producer/host_resolver.h"
#include "producer/prober.h"

namespace webmon::producer {

class ProbeRunner final : public Prober {
 public:
  explicit ProbeRunner(std::string user_agent, HostResolver::Options resolver = {});

  /// Starts probing `url` now, with the prober its type needs. `attempt` (from 1) comes back
  /// in the result, for URLs that make several attempts per period.
  void start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
             ProbeScheduler::TimePoint planned, int attempt = 1) override;
  std::size_t inFlight() const noexcept override;

  /// Waits up to `timeout` for any probe's sockets or one of `wake_fds` (negative entries are
  /// ignored), advances every probe, and appends those that finished to `finished`.
  void poll(std::chrono::milliseconds timeout, const std::vector<int>& wake_fds,
            std::vector<ProbeResult>& finished) override;

 private:
  // Hands each answer to the probes that waited for it: on to libcurl, or failed (kind dns).
  void startResolved(std::vector<ProbeResult>& finished);

  CurlProber curl_;
  DnsProber dns_;
  HostResolver resolver_;
  std::unordered_map<HostResolver::Ticket, ProbeStart> resolving_;  // waiting for addresses
  std::vector<std::pair<HostResolver::Ticket, HostResolver::Answer>> answers_;  // reused
  std::vector<WaitFd> waits_;                                                   // reused
};

}  // namespace webmon::producer
