#pragma once
// Resolves the host names of http, tcp and tls probes on the producer's one event loop (c-ares,
// beside libcurl's sockets), and keeps every answer for as long as its TTL says.
//
// Why not libcurl's resolver: it starts a thread per lookup, and its DNS cache is pruned by
// walking every entry after every transfer, so with N distinct names each probe costs O(N):
// 12,000 names every 2 s ran at 0.19 x the rate of the same targets by IP (docs/benchmarks.md).
// Here a lookup is a few UDP packets on the loop's own poll, a cached answer is one hash
// lookup, and probes of one name that wait at the same time share a single query.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "producer/probe_result.h"
#include "producer/probe_scheduler.h"

namespace webmon::producer {

/// Whether a URL's host is an address ("192.0.2.1", "[2001:db8::1]"), which needs no lookup.
bool isAddress(const std::string& host);

class HostResolver {
 public:
  using Clock = ProbeScheduler::Clock;

  /// How the lookup ended, as for a dns probe: Answered means `addresses` holds at least one
  /// address, NoData that the name has no A or AAAA record, TimedOut that no answer came
  /// before the probe's deadline.
  using Status = DnsOutcome;

  struct Answer {
    Status status = Status::Failed;
    /// The addresses, as CURLOPT_RESOLVE lists them: "192.0.2.1,[2001:db8::1]". Shared by
    /// every probe the answer serves.
    std::shared_ptr<const std::string> addresses;
    std::string error;    // why not Resolved, naming the host
    bool cached = false;  // served from the cache: no lookup for this probe
  };

  struct Options {
    bool cache = true;  // false: every probe resolves afresh (concurrent ones still share)
    std::chrono::seconds max_ttl{24 * 3600};  // a cap on what the cache believes
    std::string servers;                      // tests: c-ares' server list; empty: resolv.conf
  };

  using Ticket = std::uint64_t;

  explicit HostResolver(Options options);
  ~HostResolver();
  HostResolver(const HostResolver&) = delete;
  HostResolver& operator=(const HostResolver&) = delete;

  /// A cached answer for `host` that is still within its TTL, or null.
  const Answer* cached(const std::string& host, Clock::time_point now);
  /// Asks for `host`'s addresses for a probe that must know them by `deadline`; its answer
  /// comes out of process() under the ticket returned. Joins a lookup of the same name
  /// already under way.
  Ticket lookup(const std::string& host, Clock::time_point deadline);
  /// Probes waiting for an answer, those answered but not yet handed out included.
  std::size_t waiting() const noexcept;

  void addWaits(std::vector<WaitFd>& waits) const;
  std::chrono::milliseconds nextWake(std::chrono::milliseconds cap) const;
  /// Runs c-ares on what became ready, ends the waits whose deadline passed, and appends the
  /// answers for tickets to `done`.
  void process(const std::vector<WaitFd>& waits, std::vector<std::pair<Ticket, Answer>>& done);

  /// Names in the cache (fresh or expired, until swept), for the memory figures.
  std::size_t cacheSize() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace webmon::producer
