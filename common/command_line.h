#pragma once
// The command line both services share: --config, --check-config, --version, --help.

#include <functional>
#include <optional>
#include <string>

#include "common/config.h"

namespace webmon::common {

/// Exit codes, the same for both services so process managers can tell them apart.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitConfigError = 2;

struct CommandLine {
  std::string config_path = "configs/config.json";
  bool check_config = false;
  bool migrate = false;  // consumer only
};

/// Parses argv. Returns an exit code when the program should stop now (--help, --version,
/// a usage error), std::nullopt when it should go on.
std::optional<int> parseCommandLine(int argc, char** argv, const std::string& program,
                                    const std::string& description, bool offer_migrate,
                                    CommandLine& out);

/// Loads and validates the config. On failure prints every problem to stderr, one per line,
/// and returns std::nullopt (the caller exits with kExitConfigError).
std::optional<Config> loadConfigOrExplain(const std::string& path, const std::string& program);

/// What --check-config prints on success: a summary without any secret.
void printConfigSummary(const Config& config, const std::string& path);

struct ServiceIdentity {
  std::string program;      // "webmon-producer"
  std::string log_name;     // "producer": the logger's name and {service} in logging.file
  std::string description;  // for --help
  bool offer_migrate = false;
};

/// The start-up both services share: parse argv, load and validate the config, answer
/// --check-config, set up logging. Returns an exit code when the program should stop now;
/// otherwise `options` and `config` are filled in and the service may start.
std::optional<int> startService(int argc, char** argv, const ServiceIdentity& identity,
                                CommandLine& options, Config& config);

/// Runs `body` (the service), mapping an escaping exception to kExitRuntimeError (a SetupError:
/// kExitConfigError) with a critical log line, and shuts librdkafka and the logger down
/// cleanly either way.
int runService(const ServiceIdentity& identity, const std::function<void()>& body);

}  // namespace webmon::common
