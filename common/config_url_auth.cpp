// A URL's credentials: those written into the URL itself (masked in everything but the probe)
// and the basic_auth key, which keeps the password out of the config file.

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
  const auto password =
      from_env.present() ? secretFromEnv(from_env, env) : secretFromFile(from_file);
  if (password) credentials.password = *password;
  out.basic_auth = std::move(credentials);
}

}  // namespace webmon::common::config_sections
