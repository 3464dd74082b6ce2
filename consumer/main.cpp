// webmon-consumer: reads probe reports from Kafka and stores them in PostgreSQL.

#include <spdlog/spdlog.h>

#include <csignal>

#include "common/command_line.h"
#include "common/curl_global.h"
#include "common/shutdown_signal.h"
#include "consumer/consumer_service.h"
#include "consumer/report_writer.h"

int main(int argc, char** argv) {
  using namespace webmon;
  // An operator may send SIGHUP to both services after editing the shared config. The
  // consumer reads its part (alerts) at start only, so an edit of alerts needs a restart;
  // SIGHUP's default action would kill it.
  std::signal(SIGHUP, SIG_IGN);
  const common::ServiceIdentity identity{
      "webmon-consumer", "consumer",
      "Reads probe reports from Kafka and stores them in PostgreSQL, committing offsets only "
      "after the rows are committed.",
      true};
  common::CommandLine options;
  common::Config config;
  if (auto exit_code = common::startService(argc, argv, identity, options, config)) {
    return *exit_code;
  }
  return common::runService(identity, [&] {
    if (options.migrate) {
      consumer::ReportWriter writer(config.db);
      const int applied = writer.migrate();
      spdlog::info("schema of {} is up to date ({} migrations applied)", writer.where(), applied);
      return;
    }
    common::CurlGlobal curl_global;  // notifications: before the dispatcher's thread
    common::ShutdownSignal shutdown;
    consumer::ConsumerService service(std::move(config), shutdown);
    const auto totals = service.run();
    spdlog::info(
        "stopped: batches={} inserted={} duplicates={} rejected={} failed_attempts={} "
        "not_stored={}",
        totals.batches, totals.inserted, totals.duplicates, totals.rejected, totals.failed_attempts,
        totals.not_stored);
  });
}
