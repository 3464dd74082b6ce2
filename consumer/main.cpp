// webmon-consumer: reads probe reports from Kafka and stores them in PostgreSQL.

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "common/command_line.h"
#include "common/logging.h"
#include "common/shutdown_signal.h"
#include "common/version.h"
#include "consumer/consumer_service.h"
#include "consumer/report_writer.h"

int main(int argc, char** argv) {
  using namespace webmon;
  common::CommandLine options;
  if (auto exit_code = common::parseCommandLine(
          argc, argv, "webmon-consumer",
          "Reads probe reports from Kafka and stores them in PostgreSQL, committing offsets "
          "only after the rows are committed.",
          true, options)) {
    return *exit_code;
  }
  auto config = common::loadConfigOrExplain(options.config_path, "webmon-consumer");
  if (!config) return common::kExitConfigError;
  if (options.check_config) {
    common::printConfigSummary(*config, options.config_path);
    return common::kExitOk;
  }
  try {
    common::setupLogging(config->logging, "consumer", common::processEnvironment());
  } catch (const std::exception& error) {
    std::cerr << "webmon-consumer: " << error.what() << '\n';
    return common::kExitConfigError;
  }
  try {
    if (options.migrate) {
      consumer::ReportWriter writer(config->db);
      const int applied = writer.migrate();
      spdlog::info("schema of {} is up to date ({} migrations applied)", writer.where(), applied);
      return common::kExitOk;
    }
    spdlog::info("webmon-consumer {} starting", common::kVersion);
    common::ShutdownSignal shutdown;
    consumer::ConsumerService service(std::move(*config), shutdown);
    const auto totals = service.run();
    spdlog::info("stopped: batches={} inserted={} duplicates={} rejected={} failed_attempts={}",
                 totals.batches, totals.inserted, totals.duplicates, totals.rejected,
                 totals.failed_attempts);
  } catch (const std::exception& error) {
    spdlog::critical("webmon-consumer failed: {}", error.what());
    spdlog::shutdown();
    return common::kExitRuntimeError;
  }
  rd_kafka_wait_destroyed(5000);
  spdlog::shutdown();
  return common::kExitOk;
}
