#pragma once
// For the prober tests: runs probes to completion on the producer's ProbeRunner (libcurl and
// c-ares in one poll, as in the service) and judges each one into its report.

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "common/probe_url.h"
#include "producer/probe_runner.h"
#include "producer/report_builder.h"

namespace webmon::testing {

/// The reports, in the order of `urls`. Fails the test if a probe is still running after 15 s.
inline std::vector<common::ProbeReport> probeAll(const std::vector<common::MonitoredUrl>& urls) {
  using producer::ProbeScheduler;
  producer::ProbeRunner runner("webmon-test");
  for (std::size_t i = 0; i < urls.size(); ++i) {
    // What the config reader derives from the URL, for URLs a test made by hand.
    auto url = std::make_shared<common::MonitoredUrl>(urls[i]);
    if (url->host.empty() && url->type != common::ProbeType::Dns) {
      if (auto endpoint = common::probeEndpoint(url->url)) {
        url->host = endpoint->host;
        url->port = endpoint->port;
      }
    }
    runner.start(i, std::move(url), ProbeScheduler::Clock::now());
  }
  std::vector<producer::ProbeResult> finished;
  const auto give_up = ProbeScheduler::Clock::now() + std::chrono::seconds(15);
  while (runner.inFlight() > 0 && ProbeScheduler::Clock::now() < give_up) {
    runner.poll(std::chrono::milliseconds(100), {}, finished);
  }
  EXPECT_EQ(runner.inFlight(), 0u) << "probes still running after 15 s";
  std::vector<common::ProbeReport> reports(urls.size());
  for (const auto& result : finished) {
    reports[result.target] = producer::buildReport(result, urls[result.target], "test");
  }
  return reports;
}

}  // namespace webmon::testing
