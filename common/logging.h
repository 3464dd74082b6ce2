#pragma once
// One spdlog logger per service, configured from the "logging" section, plus a small rate
// limiter so a dead target or a down broker produces a line now and then, not a flood.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "common/config.h"

namespace webmon::common {

/// Installs the default spdlog logger named `service`: console (stderr) or a rotating file.
/// WEBMON_LOG_LEVEL, when set, overrides the configured level. Throws std::runtime_error
/// if the log file cannot be opened, naming the file.
void setupLogging(const LoggingConfig& config, const std::string& service, const EnvLookup& env);

/// Logging before the config is read (and for --check-config): stderr, info level.
void setupBootstrapLogging(const std::string& service);

/// Lets one event through per interval and counts the ones it held back, so the next message
/// that does get through can say "(N similar suppressed)". Thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(std::chrono::milliseconds interval) : interval_(interval) {}
  /// True if the caller may log now; `suppressed` gets the count held back since the last one.
  bool allow(std::uint64_t& suppressed);

 private:
  std::mutex mutex_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_{};
  bool ever_ = false;
  std::uint64_t suppressed_ = 0;
};

}  // namespace webmon::common
