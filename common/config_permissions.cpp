#include "common/config_permissions.h"

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/config.h"
#include "common/config_error.h"
#include "common/json_tolerance.h"
#include "common/url_credentials.h"

namespace webmon::common {
namespace {

bool dsnHoldsPassword(const std::string& dsn) {
  // key=value form ("password=...") or URI form ("postgresql://user:secret@host/db").
  if (dsn.find("password") != std::string::npos) return true;
  const auto scheme = dsn.find("://");
  if (scheme == std::string::npos) return false;
  const auto at = dsn.find('@', scheme);
  const auto colon = dsn.find(':', scheme + 3);
  return at != std::string::npos && colon != std::string::npos && colon < at;
}

// A target's password written into the file: in a URL's user info, or as an Authorization
// header. Read from the JSON itself, so a config that needs the environment (a
// basic_auth.password_env, say) is looked at all the same.
std::string urlSecretIn(const std::string& path) {
  nlohmann::json root;
  try {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    // As the config reader reads it, trailing commas forgiven: a file it accepts is looked at.
    root = nlohmann::json::parse(blankTrailingCommas(text.str()));
  } catch (const std::exception&) {
    return "";
  }
  const auto urls = root.find("monitored_urls");
  if (urls == root.end() || !urls->is_array()) return "";
  for (std::size_t i = 0; i < urls->size(); ++i) {
    const auto& item = (*urls)[i];
    if (!item.is_object()) continue;
    const std::string where = "monitored_urls[" + std::to_string(i) + "]";
    const auto url = item.find("url");
    if (url != item.end() && url->is_string()) {
      const auto& text = url->get_ref<const std::string&>();
      const auto credentials = takeOutCredentials(text);
      if (credentials && !credentials->credentials.password.empty()) return where + ".url";
    }
    const auto headers = item.find("headers");
    if (headers == item.end() || !headers->is_object()) continue;
    for (const auto& [name, value] : headers->items()) {
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "authorization" || lower == "proxy-authorization") {
        return where + ".headers." + name;
      }
    }
  }
  return "";
}

}  // namespace

std::optional<std::string> worldReadableSecretsWarning(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || (info.st_mode & S_IROTH) == 0) return std::nullopt;
  // Only the file's own secrets count: read it again with no environment at all.
  std::string where;
  try {
    const Config from_file = loadConfigFile(path, [](const std::string&) { return std::nullopt; });
    if (!from_file.db.password.empty()) where = "db.password";
    if (where.empty() && dsnHoldsPassword(from_file.db.dsn)) where = "db.dsn";
    for (const auto& [key, value] : from_file.kafka.properties) {
      if (where.empty() && key.find("password") != std::string::npos) {
        where = "kafka.properties." + key;
      }
    }
  } catch (const ConfigError&) {
    // Valid only with the environment's help (the caller validated it): its db and kafka
    // secrets come from there.
  }
  if (where.empty()) where = urlSecretIn(path);
  if (where.empty()) return std::nullopt;
  return path + " is readable by every user on this machine and holds a secret (" + where +
         "): run chmod 600 on it, or move the secret out of the file (WEBMON_DB_PASSWORD, "
         "WEBMON_DB_DSN, WEBMON_KAFKA_SASL_PASSWORD, WEBMON_KAFKA_SSL_KEY_PASSWORD; a target's "
         "password to its basic_auth.password_env or password_file)";
}

}  // namespace webmon::common
