#include "common/config_permissions.h"

#include <sys/stat.h>

#include "common/config.h"
#include "common/config_error.h"

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

}  // namespace

std::optional<std::string> worldReadableSecretsWarning(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || (info.st_mode & S_IROTH) == 0) return std::nullopt;
  // Only the file's own secrets count: read it again with no environment at all.
  Config from_file;
  try {
    from_file = loadConfigFile(path, [](const std::string&) { return std::nullopt; });
  } catch (const ConfigError&) {
    return std::nullopt;  // valid only with the environment's help; the caller validated it
  }
  std::string where;
  if (!from_file.db.password.empty()) where = "db.password";
  if (where.empty() && dsnHoldsPassword(from_file.db.dsn)) where = "db.dsn";
  for (const auto& [key, value] : from_file.kafka.properties) {
    if (where.empty() && key.find("password") != std::string::npos) {
      where = "kafka.properties." + key;
    }
  }
  if (where.empty()) return std::nullopt;
  return path + " is readable by every user on this machine and holds a secret (" + where +
         "): run chmod 600 on it, or move the secret to the environment (WEBMON_DB_PASSWORD, "
         "WEBMON_DB_DSN, WEBMON_KAFKA_SASL_PASSWORD, WEBMON_KAFKA_SSL_KEY_PASSWORD)";
}

}  // namespace webmon::common
