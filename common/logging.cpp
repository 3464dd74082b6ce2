#include "common/logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "common/json_log_formatter.h"

namespace webmon::common {
namespace {

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e%z %l [%n] %v";

std::string expandService(std::string path, const std::string& service) {
  const std::string placeholder = "{service}";
  for (auto pos = path.find(placeholder); pos != std::string::npos;
       pos = path.find(placeholder, pos + service.size())) {
    path.replace(pos, placeholder.size(), service);
  }
  return path;
}

}  // namespace

void setupBootstrapLogging(const std::string& service) {
  auto logger =
      std::make_shared<spdlog::logger>(service, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern(kPattern);
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void setupLogging(const LoggingConfig& config, const std::string& service, const EnvLookup& env) {
  std::string level_name = config.level;
  if (auto from_env = env("WEBMON_LOG_LEVEL"); from_env && !from_env->empty()) {
    level_name = *from_env;
  }
  const auto level = spdlog::level::from_str(level_name);
  if (level == spdlog::level::off && level_name != "off") {
    throw std::runtime_error("unknown log level \"" + level_name +
                             "\" (use trace, debug, info, warn, error or critical)");
  }
  spdlog::sink_ptr sink;
  if (config.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    const std::string path = expandService(config.file, service);
    try {
      sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          path, config.max_file_size_bytes, config.max_files);
    } catch (const spdlog::spdlog_ex& error) {
      throw std::runtime_error("cannot open log file " + path + ": " + error.what() +
                               "; check logging.file and the directory's permissions");
    }
  }
  auto logger = std::make_shared<spdlog::logger>(service, std::move(sink));
  if (config.json) {
    logger->set_formatter(std::make_unique<JsonLineFormatter>(service));
  } else {
    logger->set_pattern(kPattern);
  }
  logger->set_level(level);
  // Warnings and errors reach the file at once; routine lines are flushed every second.
  logger->flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
  spdlog::set_default_logger(logger);
}

bool RateLimiter::allow(std::uint64_t& suppressed) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (ever_ && now - last_ < interval_) {
    ++suppressed_;
    return false;
  }
  ever_ = true;
  last_ = now;
  suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace webmon::common
