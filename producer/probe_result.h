#pragma once
// What one finished probe observed, before it is judged and turned into a report; and the
// file descriptors the probers wait on together.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/probe_report.h"
#include "producer/probe_scheduler.h"

namespace webmon::producer {

/// How a dns probe's lookup ended.
enum class DnsOutcome {
  Answered,       // the server answered with records of the type asked for
  NoSuchName,     // NXDOMAIN: the name does not exist
  NoData,         // the name exists, but has no record of that type
  ServerFailure,  // SERVFAIL, or an answer that could not be parsed
  Refused,        // the server refused the query, or nothing listened on its port
  TimedOut,       // no answer within the URL's timeout
  Failed,         // anything else c-ares reports
};

/// Which probe this is and when it started: every prober keeps it while the probe runs and
/// hands it on in the result.
struct ProbeStart {
  std::size_t target = 0;
  // What was probed, kept alive here because a config reload may drop the URL meanwhile.
  std::shared_ptr<const common::MonitoredUrl> url;
  ProbeScheduler::TimePoint planned;
  ProbeScheduler::TimePoint started;
  common::SystemTime started_wall;
  int attempt = 1;  // which of the URL's `attempts` in this period, from 1

  /// A probe starting now (both clocks read here).
  static ProbeStart now(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
                        ProbeScheduler::TimePoint planned, int attempt) {
    return ProbeStart{
        target,
        std::move(url),
        planned,
        ProbeScheduler::Clock::now(),
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()),
        attempt};
  }
};

struct ProbeResult : ProbeStart {
  int curl_code = 0;     // CURLcode (http, tcp and tls probes)
  long http_status = 0;  // 0 when no response arrived
  double total_ms = 0;
  // Cumulative from the start, as libcurl measures them; 0 for a phase not reached.
  double dns_done_ms = 0, connect_done_ms = 0, tls_done_ms = 0, first_byte_ms = 0;
  // Host names the producer resolved (HostResolver): whether the addresses came from its
  // cache. Unset for an address in the URL, and for dns probes.
  std::optional<bool> dns_cached;
  std::string error_detail;  // libcurl's (or c-ares') message, when it failed
  // The start of the body, kept only for URLs with a `regexp` (at most max_body_bytes).
  std::string body;
  bool body_truncated = false;  // the body went on past max_body_bytes; the rest was not read
  // When the server's certificate expires (https, once the handshake completed).
  std::optional<common::SystemTime> cert_expires_at;
  // dns probes: how the lookup ended and the answers, as text.
  DnsOutcome dns_outcome = DnsOutcome::Answered;
  std::vector<std::string> dns_answers;
};

/// A file descriptor one prober wants to wait on inside another's poll.
struct WaitFd {
  int fd = -1;
  bool want_read = false;
  bool want_write = false;
  bool ready_read = false;
  bool ready_write = false;
};

}  // namespace webmon::producer
