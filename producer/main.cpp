// webmon-producer: probes the configured URLs and publishes one report per probe to Kafka.

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include "common/command_line.h"
#include "common/curl_global.h"
#include "common/shutdown_signal.h"
#include "producer/curl_prober.h"
#include "producer/producer_service.h"

namespace {

// Every probe holds a socket; use all the file descriptors the hard limit allows.
void raiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace webmon;
  const common::ServiceIdentity identity{
      "webmon-producer", "producer",
      "Probes the configured URLs and publishes one JSON report per probe to Kafka.", false};
  common::CurlGlobal curl_global;  // once per process, before any libcurl use
  common::CommandLine options;
  common::Config config;
  if (auto exit_code = common::startService(argc, argv, identity, options, config)) {
    return *exit_code;
  }
  raiseOpenFileLimit();
  return common::runService(identity, [&] {
    spdlog::info("producer_id={}", config.producer.producer_id);
    common::ShutdownSignal shutdown;
    producer::ProducerService service(std::move(config), options.config_path, shutdown);
    const auto totals = service.run();
    if (totals.undelivered > 0) {
      spdlog::error(
          "stopped with {} reports not delivered to kafka (shutdown timeout ran out); "
          "they are lost",
          totals.undelivered);
    }
    spdlog::info("stopped: probes={} ok={} delivered={} dropped={} undelivered={}", totals.probes,
                 totals.probes_ok, totals.delivered, totals.dropped, totals.undelivered);
  });
}
