#pragma once
// Runs many HTTP probes at once on one thread with libcurl's multi interface.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/probe_report.h"
#include "producer/probe_result.h"
#include "producer/probe_scheduler.h"

namespace webmon::producer {

/// A probe's host, resolved before libcurl starts (HostResolver): libcurl then connects to
/// these addresses (trying them in turn, both families at once) without a lookup of its own.
struct ResolvedHost {
  std::shared_ptr<const std::string> addresses;  // "192.0.2.1,[2001:db8::1]"
  double lookup_ms = 0;  // how long the probe waited for them (next to nothing when cached)
  bool cached = false;   // from the cache, within the answer's TTL
};

class CurlProber {
 public:
  explicit CurlProber(std::string user_agent);
  ~CurlProber();
  CurlProber(const CurlProber&) = delete;
  CurlProber& operator=(const CurlProber&) = delete;

  /// Starts probing `url` now. The timeout caps the whole probe: DNS, connect, TLS and body.
  /// libcurl resolves the host itself.
  void start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
             ProbeScheduler::TimePoint planned, int attempt = 1);
  /// Goes on with the probe `start` began, its host already resolved: the lookup's time counts
  /// against the URL's timeout and is the probe's dns phase.
  void start(ProbeStart start, const ResolvedHost& resolved);
  std::size_t inFlight() const noexcept;

  /// Waits up to `timeout` for network activity or for one of `wake_fds` to become readable
  /// (negative entries are ignored), advances every transfer, and appends the probes that
  /// finished to `finished`.
  void poll(std::chrono::milliseconds timeout, const std::vector<int>& wake_fds,
            std::vector<ProbeResult>& finished);
  /// The same, waiting on `extra` as well (other probers' sockets): their `ready_*` flags
  /// say what became ready.
  void poll(std::chrono::milliseconds timeout, std::vector<WaitFd>& extra,
            std::vector<ProbeResult>& finished);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace webmon::producer
