#pragma once
// Runs many HTTP probes at once on one thread with libcurl's multi interface.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/probe_report.h"
#include "producer/probe_scheduler.h"

namespace webmon::producer {

/// What one finished probe observed, before it is judged and turned into a report.
struct ProbeResult {
  std::size_t target = 0;
  // What was probed, kept alive here because a config reload may drop the URL meanwhile.
  std::shared_ptr<const common::MonitoredUrl> url;
  ProbeScheduler::TimePoint planned;
  ProbeScheduler::TimePoint started;
  common::SystemTime started_wall;
  int curl_code = 0;     // CURLcode
  long http_status = 0;  // 0 when no response arrived
  double total_ms = 0;
  // Cumulative from the start, as libcurl measures them; 0 for a phase not reached.
  double dns_done_ms = 0, connect_done_ms = 0, tls_done_ms = 0, first_byte_ms = 0;
  std::string error_detail;  // libcurl's error buffer, when it failed
  // The start of the body, kept only for URLs with a `regexp` (at most max_body_bytes).
  std::string body;
  bool body_truncated = false;  // the body went on past max_body_bytes; the rest was not read
  // When the server's certificate expires (https, once the handshake completed).
  std::optional<common::SystemTime> cert_expires_at;
};

class CurlProber {
 public:
  explicit CurlProber(std::string user_agent);
  ~CurlProber();
  CurlProber(const CurlProber&) = delete;
  CurlProber& operator=(const CurlProber&) = delete;

  /// Starts probing `url` now. The timeout caps the whole probe: DNS, connect, TLS and body.
  void start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
             ProbeScheduler::TimePoint planned);
  std::size_t inFlight() const noexcept;

  /// Waits up to `timeout` for network activity or for one of `wake_fds` to become readable
  /// (negative entries are ignored), advances every transfer, and appends the probes that
  /// finished to `finished`.
  void poll(std::chrono::milliseconds timeout, const std::vector<int>& wake_fds,
            std::vector<ProbeResult>& finished);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Calls curl_global_init on construction and curl_global_cleanup on destruction; one per process.
class CurlGlobal {
 public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

}  // namespace webmon::producer
