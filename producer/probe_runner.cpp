#include "producer/probe_runner.h"

namespace webmon::producer {

ProbeRunner::ProbeRunner(std::string user_agent) : curl_(std::move(user_agent)) {}

void ProbeRunner::start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
                        ProbeScheduler::TimePoint planned, int attempt) {
  if (url->type == common::ProbeType::Dns) {
    dns_.start(target, std::move(url), planned, attempt);
  } else {
    curl_.start(target, std::move(url), planned, attempt);
  }
}

std::size_t ProbeRunner::inFlight() const noexcept { return curl_.inFlight() + dns_.inFlight(); }

void ProbeRunner::poll(std::chrono::milliseconds timeout, const std::vector<int>& wake_fds,
                       std::vector<ProbeResult>& finished) {
  waits_.clear();
  for (const int fd : wake_fds) {
    if (fd >= 0) waits_.push_back(WaitFd{fd, true, false});
  }
  // Also while no dns probe is in flight: c-ares may still hold queries whose probes timed
  // out, and must be driven until it lets them go.
  dns_.addWaits(waits_);
  timeout = dns_.nextWake(timeout);
  curl_.poll(timeout, waits_, finished);
  dns_.process(waits_, finished);
}

}  // namespace webmon::producer
