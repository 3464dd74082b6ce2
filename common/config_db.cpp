// The db section, and the connection string made of it (its password never logged).

#include <regex>
#include <string>

#include "common/config.h"
#include "common/config_sections.h"

namespace webmon::common {
namespace {

std::string quoteLibpqValue(const std::string& value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

}  // namespace

namespace config_sections {

void readDb(const ConfigReader& node, const EnvLookup& env, DbConfig& out) {
  node.rejectUnknownKeys(
      {"dsn", "host", "port", "db_name", "user", "password", "sslmode", "sslrootcert"});
  assignIf(out.dsn, node.field("dsn").nonEmptyString());
  assignIf(out.host, node.field("host").nonEmptyString());
  if (auto port = node.field("port").port()) out.port = *port;
  assignIf(out.db_name, node.field("db_name").stringOrUnset());
  assignIf(out.user, node.field("user").stringOrUnset());
  const auto password = node.field("password");
  if (password.present() && !password.raw()->is_string()) {
    password.failWithoutValue("must be a string");  // never echo a secret
  } else if (password.present()) {
    out.password = password.raw()->get<std::string>();
  }
  const auto sslmode = node.field("sslmode");
  if (auto mode = sslmode.nonEmptyString()) {
    static const std::vector<std::string> modes = {"disable", "allow",     "prefer",
                                                   "require", "verify-ca", "verify-full"};
    if (std::find(modes.begin(), modes.end(), *mode) == modes.end()) {
      sslmode.fail("must be one of disable, allow, prefer, require, verify-ca, verify-full");
    } else {
      out.sslmode = *mode;
    }
  }
  assignIf(out.sslrootcert, node.field("sslrootcert").nonEmptyString());
  if ((out.sslmode == "verify-ca" || out.sslmode == "verify-full") && out.sslrootcert.empty() &&
      out.dsn.empty()) {
    node.field("sslrootcert").failWithoutValue("is required when sslmode is " + out.sslmode);
  }
  if (auto dsn = env("WEBMON_DB_DSN"); dsn && !dsn->empty()) out.dsn = *dsn;
  if (auto secret = env("WEBMON_DB_PASSWORD")) out.password = *secret;
}

}  // namespace config_sections

std::string DbConfig::connectionString() const {
  if (!dsn.empty()) return dsn;
  std::string text = "host=" + quoteLibpqValue(host) + " port=" + std::to_string(port) +
                     " dbname=" + quoteLibpqValue(db_name) + " user=" + quoteLibpqValue(user) +
                     " sslmode=" + sslmode + " connect_timeout=5";
  if (!password.empty()) text += " password=" + quoteLibpqValue(password);
  if (!sslrootcert.empty()) text += " sslrootcert=" + quoteLibpqValue(sslrootcert);
  return text;
}

std::string DbConfig::describe() const {
  if (!dsn.empty()) return maskPassword(dsn);
  return user + "@" + host + ":" + std::to_string(port) + "/" + db_name + " (sslmode " + sslmode +
         ")";
}

std::string maskPassword(std::string_view connection_string) {
  // std::regex recurses per character: keep it away from absurdly long input.
  if (connection_string.size() > 4096) {
    return "(connection string of " + std::to_string(connection_string.size()) +
           " bytes, not shown)";
  }
  const std::string text(connection_string);
  if (text.find("://") != std::string::npos) {
    // URI form: postgresql://user:secret@host/db?password=secret
    static const std::regex uri_password(R"(^(\w+://[^:/@]*:)[^@]*@)");
    static const std::regex query_password(R"(([?&]password=)[^&]*)", std::regex::icase);
    return std::regex_replace(std::regex_replace(text, uri_password, "$1***@"), query_password,
                              "$1***");
  }
  // Key/value form, quoted or not: password='a b' or password=secret
  static const std::regex kv_password(R"((password\s*=\s*)('([^'\\]|\\.)*'|\S+))",
                                      std::regex::icase);
  return std::regex_replace(text, kv_password, "$1***");
}

}  // namespace webmon::common
