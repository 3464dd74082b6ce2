// libFuzzer target: the configuration loader. Any bytes must either load, or fail with a
// ConfigError listing at least one problem; any other exception or a crash is a bug.
// Built by scripts/fuzz.sh.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/config.h"
#include "common/config_error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace webmon::common;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const EnvLookup no_environment = [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
  try {
    parseConfig(text, no_environment);
  } catch (const ConfigError& error) {
    if (error.problems().empty()) std::abort();
  }
  return 0;
}
