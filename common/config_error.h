#pragma once
// The one exception type for a configuration that cannot be used.

#include <stdexcept>
#include <string>
#include <vector>

namespace webmon::common {

/// Every problem found in a configuration, each as "json.path: rule, got value".
/// Thrown once, after the whole file has been checked, so the operator sees all mistakes at once.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

}  // namespace webmon::common
