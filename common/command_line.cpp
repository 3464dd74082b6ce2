#include "common/command_line.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/config_error.h"
#include "common/config_permissions.h"
#include "common/kafka_client.h"
#include "common/kafka_topic.h"
#include "common/logging.h"
#include "common/version.h"

namespace webmon::common {

std::optional<int> parseCommandLine(int argc, char** argv, const std::string& program,
                                    const std::string& description, bool offer_migrate,
                                    CommandLine& out) {
  CLI::App app(description, program);
  app.add_option("-c,--config", out.config_path, "Path of the JSON configuration file")
      ->capture_default_str();
  app.add_flag("--check-config", out.check_config,
               "Validate the configuration, print a summary and exit (0: valid, 2: invalid)");
  if (offer_migrate) {
    app.add_flag("--migrate", out.migrate, "Apply pending database schema migrations and exit");
  }
  app.set_version_flag("-V,--version", std::string(program) + " " + kVersion);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? kExitOk : kExitConfigError;
  }
  return std::nullopt;
}

std::optional<Config> loadConfigOrExplain(const std::string& path, const std::string& program) {
  try {
    Config config = loadConfigFile(path, processEnvironment());
    // librdkafka is the authority on its own property names and values: ask it now, so a
    // typo in kafka.properties is a configuration error (exit 2), not a failure at run time.
    try {
      makeKafkaConf(config.kafka, {});
    } catch (const KafkaError& error) {
      throw ConfigError({std::string("kafka: ") + error.what()});
    }
    return config;
  } catch (const ConfigError& error) {
    std::cerr << program << ": configuration " << path << " is not valid ("
              << error.problems().size()
              << (error.problems().size() == 1 ? " problem" : " problems")
              << "); nothing was started:\n";
    for (const auto& problem : error.problems()) std::cerr << "  " << problem << '\n';
    return std::nullopt;
  }
}

void printConfigSummary(const Config& config, const std::string& path) {
  auto days = [](int n) { return n == 0 ? std::string("for ever") : std::to_string(n) + " days"; };
  std::cout << path << ": valid\n"
            << "  kafka: " << config.kafka.bootstrapList() << " topic " << config.kafka.topic
            << "\n"
            << "  db: " << config.db.describe() << "\n"
            << "  retention: reports " << days(config.retention.reports_days) << ", hourly "
            << days(config.retention.hourly_days) << ", daily " << days(config.retention.daily_days)
            << "\n"
            << "  monitored_urls: " << config.monitored_urls.size() << "\n";
}

}  // namespace webmon::common

namespace webmon::common {

std::optional<int> startService(int argc, char** argv, const ServiceIdentity& identity,
                                CommandLine& options, Config& config) {
  if (auto exit_code = parseCommandLine(argc, argv, identity.program, identity.description,
                                        identity.offer_migrate, options)) {
    return exit_code;
  }
  auto loaded = loadConfigOrExplain(options.config_path, identity.program);
  if (!loaded) return kExitConfigError;
  const auto permissions_warning = worldReadableSecretsWarning(options.config_path);
  if (options.check_config) {
    printConfigSummary(*loaded, options.config_path);
    if (permissions_warning)
      std::cerr << identity.program << ": warning: " << *permissions_warning << '\n';
    return kExitOk;
  }
  try {
    setupLogging(loaded->logging, identity.log_name, processEnvironment());
  } catch (const std::exception& error) {
    std::cerr << identity.program << ": " << error.what() << '\n';
    return kExitConfigError;
  }
  config = std::move(*loaded);
  spdlog::info("{} {} starting", identity.program, kVersion);
  if (permissions_warning) spdlog::warn("{}", *permissions_warning);
  return std::nullopt;
}

int runService(const ServiceIdentity& identity, const std::function<void()>& body) {
  int exit_code = kExitOk;
  try {
    body();
  } catch (const SetupError& error) {
    // Restarting will not help until someone acts: the same exit code as a bad config, so a
    // process manager does not restart in a loop (systemd: RestartPreventExitStatus=2).
    spdlog::critical("{}: {}", identity.program, error.what());
    exit_code = kExitConfigError;
  } catch (const std::exception& error) {
    spdlog::critical("{} failed: {}", identity.program, error.what());
    exit_code = kExitRuntimeError;
  }
  // Lets librdkafka's background threads finish, so leak checkers see a clean exit.
  rd_kafka_wait_destroyed(5000);
  spdlog::shutdown();
  return exit_code;
}

}  // namespace webmon::common
