#pragma once
// Runs dns probes (type dns) with c-ares, on the producer's one event loop: the resolver's
// sockets are waited on beside libcurl's, so a lookup never blocks a thread.

#include <chrono>
#include <memory>
#include <vector>

#include "common/config.h"
#include "producer/probe_result.h"
#include "producer/probe_scheduler.h"

namespace webmon::producer {

class DnsProber {
 public:
  DnsProber();
  ~DnsProber();
  DnsProber(const DnsProber&) = delete;
  DnsProber& operator=(const DnsProber&) = delete;

  /// Starts the lookup `url` describes (dns://name, record, dns_server) now; the URL's timeout
  /// caps it, retries included.
  void start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
             ProbeScheduler::TimePoint planned, int attempt = 1);
  std::size_t inFlight() const noexcept;

  /// Appends the resolver's sockets, with what each waits for, to `waits`.
  void addWaits(std::vector<WaitFd>& waits) const;
  /// How long the caller may wait before process() must run again (at most `cap`).
  std::chrono::milliseconds nextWake(std::chrono::milliseconds cap) const;
  /// Reads what became ready in `waits` (entries of other owners are skipped), runs the
  /// resolver's retries and the probes' deadlines, and appends finished probes to `finished`.
  void process(const std::vector<WaitFd>& waits, std::vector<ProbeResult>& finished);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Whether `answers` hold `expected`: addresses compare as addresses ("::1" = "0::1"), names
/// without regard to case or a final dot, TXT exactly.
bool dnsAnswersContain(common::DnsRecord record, const std::vector<std::string>& answers,
                       const std::string& expected);

}  // namespace webmon::producer
