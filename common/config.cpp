// The config document: parsing, the top-level keys, the environment, and the rules more than
// one section uses. Each section has its reader in a file of its own (config_sections.h).

#include "common/config.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/config_error.h"
#include "common/config_reader.h"
#include "common/config_sections.h"
#include "common/json_tolerance.h"
#include "common/utf8.h"

namespace webmon::common {
namespace config_sections {

void assignIf(std::string& target, std::optional<std::string> value) {
  if (value) target = std::move(*value);
}

// host:port, where host is a name, an IPv4 address or a bracketed IPv6 address. By hand, not
// with std::regex: libstdc++'s matcher recurses per character and a long enough value would
// overflow the stack (the config fuzz test found that).
bool looksLikeHostPort(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || text.size() - colon - 1 < 1 ||
      text.size() - colon - 1 > 5 || text.size() > 300) {
    return false;
  }
  for (std::size_t i = colon + 1; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  const std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    return host.find_first_not_of("0123456789abcdefABCDEF:.", 1) == host.size() - 1;
  }
  return host.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
         std::string::npos;
}

// Where a service serves /metrics and /healthz: host:port (port 0: any free port) or "" (off).
void readListen(const ConfigReader& node, std::string& out) {
  auto text = node.string();
  if (!text) return;
  if (text->empty()) {
    out.clear();
    return;
  }
  const auto colon = text->rfind(':');
  if (!looksLikeHostPort(*text) || std::stol(text->substr(colon + 1)) > 65535) {
    node.fail("must be host:port (port 0 picks a free one), or \"\" to turn the endpoint off");
    return;
  }
  out = *text;
}

}  // namespace config_sections

namespace {

// "line 3, column 7" for a byte offset, because nlohmann only reports the byte.
std::string lineAndColumn(std::string_view text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

namespace config_sections {

nlohmann::json parseJsonDocument(std::string_view json_text, const std::string& where) {
  const std::string prefix = where.empty() ? "" : where + ": ";
  try {
    return nlohmann::json::parse(blankTrailingCommas(json_text));
  } catch (const nlohmann::json::parse_error& error) {
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line..."
    std::string message = error.what();
    if (auto colon = message.find(": "); colon != std::string::npos) {
      message = message.substr(colon + 2);
    }
    throw ConfigError({prefix + "not valid JSON at " + lineAndColumn(json_text, error.byte - 1) +
                       ": " + escapeInvalidUtf8(message)});
  } catch (const nlohmann::json::exception& error) {
    // Not a syntax error but, e.g., a number too large for a double (1e999); the config
    // fuzzer found that nlohmann reports those as out_of_range.
    std::string message = error.what();
    if (auto bracket = message.find("] "); bracket != std::string::npos) {
      message = message.substr(bracket + 2);
    }
    throw ConfigError(
        {prefix + "not valid JSON at line 1, column 1: " + escapeInvalidUtf8(message)});
  }
}

}  // namespace config_sections

EnvLookup processEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Config parseConfig(std::string_view json_text, const EnvLookup& env,
                   const std::string& config_dir) {
  using namespace config_sections;
  const nlohmann::json document = parseJsonDocument(json_text, "");
  ConfigProblems problems;
  const ConfigReader root(&document, "", problems);
  Config config;
  if (!document.is_object()) {
    root.failWithoutValue("the configuration must be a JSON object");
    problems.throwIfAny();
  }
  root.rejectUnknownKeys({"kafka", "db", "retention", "alerts", "monitored_urls", "targets_dir",
                          "logging", "producer", "consumer"});
  readKafka(root.field("kafka"), env, config.kafka);
  readDb(root.field("db"), env, config.db);
  readRetention(root.field("retention"), config.retention);
  readAlerts(root.field("alerts"), env, config.alerts);
  SeenUrls seen;
  const auto targets_dir = root.field("targets_dir");
  // With a directory of target files, monitored_urls may be left out: the files hold them.
  if (!targets_dir.present()) root.field("monitored_urls").required();
  readUrls(root.field("monitored_urls"), env, config.alerts.receivers, "config", seen,
           config.monitored_urls);
  readTargetFiles(targets_dir, config_dir, env, config.alerts.receivers, seen, config.targets_dir,
                  config.monitored_urls);
  checkMaintenanceUrls(root.field("alerts").field("maintenance"), config.monitored_urls);
  readLogging(root.field("logging"), config.logging);
  readProducer(root.field("producer"), config.producer);
  readConsumer(root.field("consumer"), config.consumer);
  problems.throwIfAny();
  return config;
}

Config loadConfigFile(const std::string& path, const EnvLookup& env) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw ConfigError({path + ": cannot open the configuration file (" + std::strerror(errno) +
                       "); pass another one with --config PATH"});
  }
  std::ostringstream text;
  text << file.rdbuf();
  // A relative targets_dir is relative to the config file, wherever the service was started.
  const auto directory = std::filesystem::path(path).parent_path();
  return parseConfig(text.str(), env, directory.empty() ? "." : directory.string());
}

}  // namespace webmon::common
