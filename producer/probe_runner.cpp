#include "producer/probe_runner.h"

#include <curl/curl.h>

namespace webmon::producer {
namespace {

double millisecondsSince(ProbeScheduler::TimePoint start) {
  return std::chrono::duration<double, std::milli>(ProbeScheduler::Clock::now() - start).count();
}

}  // namespace

ProbeRunner::ProbeRunner(std::string user_agent, HostResolver::Options resolver)
    : curl_(std::move(user_agent)), resolver_(std::move(resolver)) {}

void ProbeRunner::start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
                        ProbeScheduler::TimePoint planned, int attempt) {
  if (url->type == common::ProbeType::Dns) {
    dns_.start(target, std::move(url), planned, attempt);
    return;
  }
  if (isAddress(url->host) || url->host.empty()) {
    curl_.start(target, std::move(url), planned, attempt);
    return;
  }
  auto begun = ProbeStart::now(target, std::move(url), planned, attempt);
  if (const auto* answer = resolver_.cached(begun.url->host, begun.started)) {
    curl_.start(std::move(begun), ResolvedHost{answer->addresses, 0.0, true});
    return;
  }
  const auto ticket = resolver_.lookup(begun.url->host, begun.started + begun.url->timeout);
  resolving_.emplace(ticket, std::move(begun));
}

std::size_t ProbeRunner::inFlight() const noexcept {
  return curl_.inFlight() + dns_.inFlight() + resolving_.size();
}

void ProbeRunner::poll(std::chrono::milliseconds timeout, const std::vector<int>& wake_fds,
                       std::vector<ProbeResult>& finished) {
  waits_.clear();
  for (const int fd : wake_fds) {
    if (fd >= 0) waits_.push_back(WaitFd{fd, true, false});
  }
  // Also while no dns probe is in flight: c-ares may still hold queries whose probes timed
  // out, and must be driven until it lets them go.
  dns_.addWaits(waits_);
  resolver_.addWaits(waits_);
  timeout = resolver_.nextWake(dns_.nextWake(timeout));
  curl_.poll(timeout, waits_, finished);
  dns_.process(waits_, finished);
  resolver_.process(waits_, answers_);
  startResolved(finished);
}

void ProbeRunner::startResolved(std::vector<ProbeResult>& finished) {
  for (auto& [ticket, answer] : answers_) {
    auto waiting = resolving_.extract(ticket);
    if (waiting.empty()) continue;
    ProbeStart begun = std::move(waiting.mapped());
    const double waited = millisecondsSince(begun.started);
    if (answer.status == HostResolver::Status::Answered) {
      curl_.start(std::move(begun), ResolvedHost{answer.addresses, waited, false});
      continue;
    }
    // The probe ends here, as libcurl's own failed lookup would have ended it: kind dns.
    ProbeResult result;
    static_cast<ProbeStart&>(result) = std::move(begun);
    result.curl_code = CURLE_COULDNT_RESOLVE_HOST;
    result.total_ms = waited;
    result.error_detail = std::move(answer.error);
    finished.push_back(std::move(result));
  }
  answers_.clear();
}

}  // namespace webmon::producer
