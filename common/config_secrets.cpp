// Secrets kept out of the config file: from the environment or from a file of their own
// (a secrets mount, a root-only file), for basic_auth passwords and alert receivers.

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/config_sections.h"

namespace webmon::common::config_sections {

std::optional<std::string> secretFromEnv(const ConfigReader& name_field, const EnvLookup& env) {
  const auto name = name_field.nonEmptyString();
  if (!name) return std::nullopt;
  if (auto value = env(*name); value && !value->empty()) return value;
  name_field.fail("names an environment variable that is not set or empty");
  return std::nullopt;
}

// The content, one trailing line break dropped, as `echo secret > file` writes it.
std::optional<std::string> secretFromFile(const ConfigReader& path_field) {
  const auto path = path_field.nonEmptyString();
  if (!path) return std::nullopt;
  std::ifstream file(*path, std::ios::binary);
  if (!file) {
    path_field.fail("cannot be read (" + std::string(std::strerror(errno)) + ")");
    return std::nullopt;
  }
  std::ostringstream content;
  content << file.rdbuf();
  std::string secret = content.str();
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty()) {
    path_field.fail("names an empty file (it must hold the secret)");
    return std::nullopt;
  }
  return secret;
}

}  // namespace webmon::common::config_sections
