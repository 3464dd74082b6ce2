#pragma once
// A config file that holds a password should not be readable by every user on the machine.

#include <optional>
#include <string>

namespace webmon::common {

/// A warning to show when `path` is readable by others (mode o+r) and itself holds a secret
/// (db.password, a password in db.dsn, or a *password* key in kafka.properties); nothing when
/// the file is private or its secrets come from the environment. Never includes the secret.
std::optional<std::string> worldReadableSecretsWarning(const std::string& path);

}  // namespace webmon::common
