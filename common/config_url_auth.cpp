// A URL's credentials: those written into the URL itself (masked in everything but the probe)
// and the basic_auth key, which keeps the password out of the config file.

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/config_sections.h"

namespace webmon::common::config_sections {

void takeCredentialsFromUrl(const ConfigReader& url_field, const std::string& written,
                            MonitoredUrl& out) {
  out.url = maskUrlPassword(written);
  auto parts = takeOutCredentials(written);
  if (!parts) return;  // no user info: the probe requests `url` itself
  if (out.type != ProbeType::Http) {
    url_field.failShowing(std::string("must not hold a user or password (a ") +
                              std::string(probeTypeName(out.type)) + " probe sends none)",
                          out.url);
    return;
  }
  out.fetch_url = std::move(parts->fetch_url);
  out.password_in_url = !parts->credentials.password.empty();
  out.basic_auth = std::move(parts->credentials);
}

namespace {

// The password in a file of its own (a secrets mount, say): its content, one trailing line
// break dropped, as `echo secret > file` writes it.
std::optional<std::string> readPasswordFile(const ConfigReader& field, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    field.fail("cannot be read (" + std::string(std::strerror(errno)) + ")");
    return std::nullopt;
  }
  std::ostringstream content;
  content << file.rdbuf();
  std::string password = content.str();
  if (!password.empty() && password.back() == '\n') password.pop_back();
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    field.fail("names an empty file (it must hold the password)");
    return std::nullopt;
  }
  return password;
}

}  // namespace

void readBasicAuth(const ConfigReader& node, const EnvLookup& env, MonitoredUrl& out) {
  const auto auth = node.field("basic_auth");
  if (!auth.present()) return;
  if (!auth.raw()->is_object()) {
    auth.failWithoutValue("must be an object: {\"user\": ..., \"password_env\": ...}");
    return;
  }
  auth.rejectUnknownKeys({"user", "password_env", "password_file"});
  if (out.type != ProbeType::Http) {
    auth.failWithoutValue("is for http probes only");
    return;
  }
  if (out.basic_auth) {
    auth.failWithoutValue(
        "cannot be used with a user or password in the url: keep one (basic_auth keeps the "
        "password out of the config file)");
    return;
  }
  BasicAuth credentials;
  const auto user = auth.field("user");
  if (user.required()) {
    if (auto text = user.nonEmptyString()) {
      if (text->find(':') != std::string::npos) {
        user.fail("must not contain ':' (HTTP basic authentication cannot send it)");
      }
      credentials.user = *text;
    }
  }
  const auto from_env = auth.field("password_env");
  const auto from_file = auth.field("password_file");
  if (from_env.present() == from_file.present()) {
    auth.failWithoutValue(
        "must have one of password_env (an environment variable) or password_file (a file "
        "holding the password)");
    return;
  }
  if (from_env.present()) {
    if (auto name = from_env.nonEmptyString()) {
      if (auto value = env(*name); value && !value->empty()) {
        credentials.password = *value;
      } else {
        from_env.fail("names an environment variable that is not set or empty");
      }
    }
  } else if (auto path = from_file.nonEmptyString()) {
    if (auto password = readPasswordFile(from_file, *path)) credentials.password = *password;
  }
  out.basic_auth = std::move(credentials);
}

}  // namespace webmon::common::config_sections
