// webmon-producer: probes the configured URLs and publishes one report per probe to Kafka.

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <iostream>

#include "common/command_line.h"
#include "common/logging.h"
#include "common/shutdown_signal.h"
#include "common/version.h"
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
  common::CommandLine options;
  if (auto exit_code = common::parseCommandLine(
          argc, argv, "webmon-producer",
          "Probes the configured URLs and publishes one JSON report per probe to Kafka.", false,
          options)) {
    return *exit_code;
  }
  producer::CurlGlobal curl_global;  // before the config: URL validation uses libcurl
  auto config = common::loadConfigOrExplain(options.config_path, "webmon-producer");
  if (!config) return common::kExitConfigError;
  if (options.check_config) {
    common::printConfigSummary(*config, options.config_path);
    return common::kExitOk;
  }
  try {
    common::setupLogging(config->logging, "producer", common::processEnvironment());
  } catch (const std::exception& error) {
    std::cerr << "webmon-producer: " << error.what() << '\n';
    return common::kExitConfigError;
  }
  raiseOpenFileLimit();
  spdlog::info("webmon-producer {} starting; producer_id={}", common::kVersion,
               config->producer.producer_id);
  try {
    common::ShutdownSignal shutdown;
    producer::ProducerService service(std::move(*config), shutdown);
    const auto totals = service.run();
    if (totals.undelivered > 0) {
      spdlog::error(
          "stopped with {} reports not delivered to kafka (shutdown timeout ran out); "
          "they are lost",
          totals.undelivered);
    }
    spdlog::info("stopped: probes={} ok={} delivered={} dropped={} undelivered={}", totals.probes,
                 totals.probes_ok, totals.delivered, totals.dropped, totals.undelivered);
  } catch (const std::exception& error) {
    spdlog::critical("webmon-producer failed: {}", error.what());
    spdlog::shutdown();
    return common::kExitRuntimeError;
  }
  rd_kafka_wait_destroyed(5000);
  spdlog::shutdown();
  return common::kExitOk;
}
