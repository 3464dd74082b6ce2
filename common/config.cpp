#include "common/config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <unordered_map>

#include "common/config_error.h"
#include "common/config_reader.h"
#include "common/probe_report.h"
#include "common/utf8.h"

namespace webmon::common {
namespace {

constexpr double kMaxTimeoutSeconds = 300;
constexpr double kMaxPeriodSeconds = 7 * 24 * 3600;

void assignIf(std::string& target, std::optional<std::string> value) {
  if (value) target = std::move(*value);
}

std::string quoteLibpqValue(const std::string& value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
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

bool isValidTopicName(const std::string& topic) {
  return !topic.empty() && topic.size() <= 249 &&
         topic.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
             std::string::npos;
}

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Uses libcurl's own URL parser, so what we accept is exactly what the prober can fetch.
std::optional<std::string> checkProbeUrl(const std::string& url, ProbeType type) {
  if (url.size() > kMaxUrlLength) {
    return "must be at most " + std::to_string(kMaxUrlLength) + " characters";
  }
  for (unsigned char c : url) {
    if (c <= ' ' || c == 0x7f) return "must not contain spaces or control characters";
  }
  CURLU* handle = curl_url();
  if (handle == nullptr) return "cannot be checked (out of memory)";
  std::optional<std::string> problem;
  if (curl_url_set(handle, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    problem = "must be a valid URL such as https://example.com/health";
  } else {
    char* scheme = nullptr;
    char* host = nullptr;
    curl_url_get(handle, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(handle, CURLUPART_HOST, &host, 0);
    char* port = nullptr;
    char* path = nullptr;
    curl_url_get(handle, CURLUPART_PORT, &port, 0);
    curl_url_get(handle, CURLUPART_PATH, &path, 0);
    const std::string scheme_text = scheme ? lowercase(scheme) : "";
    const bool path_empty = path == nullptr || std::string_view(path) == "/";
    if (type == ProbeType::Http && scheme_text != "http" && scheme_text != "https") {
      problem = "must start with http:// or https://";
    } else if (type == ProbeType::Tcp && (scheme_text != "tcp" || !port || !path_empty)) {
      problem = "must be tcp://host:port for type tcp";
    } else if (type == ProbeType::Tls && (scheme_text != "tls" || !port || !path_empty)) {
      problem = "must be tls://host:port for type tls";
    } else if (type == ProbeType::Dns && (scheme_text != "dns" || port || !path_empty)) {
      problem = "must be dns://name for type dns";
    } else if (host == nullptr || *host == '\0') {
      problem = "must name a host";
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
  }
  curl_url_cleanup(handle);
  return problem;
}

// kafka.create_topic.config: topic-level settings as the broker takes them (text).
std::map<std::string, std::string> readTopicSettings(const ConfigReader& node) {
  std::map<std::string, std::string> settings;
  if (!node.present()) return settings;
  if (!node.raw()->is_object()) {
    node.failWithoutValue(
        "must be an object of topic settings, e.g. {\"retention.ms\": \"604800000\"}");
    return settings;
  }
  for (const auto& [key, value] : node.raw()->items()) {
    if (value.is_string()) {
      settings[key] = value.get<std::string>();
    } else if (value.is_number_integer() || value.is_boolean()) {
      settings[key] = value.dump();
    } else {
      node.field(key).failWithoutValue("must be a string, whole number or boolean");
    }
  }
  return settings;
}

// kafka.create_topic: true (the defaults), false, or {partitions, replication_factor, config}.
void readTopicSpec(const ConfigReader& node, std::optional<TopicSpec>& out) {
  if (!node.present()) return;
  if (node.raw()->is_boolean()) {
    if (node.raw()->get<bool>()) out = TopicSpec{};
  } else if (!node.raw()->is_object()) {
    node.fail("must be true, false or {\"partitions\": N, \"replication_factor\": N}");
  } else {
    node.rejectUnknownKeys({"partitions", "replication_factor", "config"});
    TopicSpec spec;
    if (auto partitions = node.field("partitions").integer(1, 10'000)) {
      spec.partitions = static_cast<int>(*partitions);
    }
    if (auto replicas = node.field("replication_factor").integer(1, 32)) {
      spec.replication_factor = static_cast<int>(*replicas);
    }
    spec.config = readTopicSettings(node.field("config"));
    out = std::move(spec);
  }
  if (!out) return;
  auto& settings = out->config;
  if (out->replication_factor >= 3 && settings.count("min.insync.replicas") == 0) {
    settings["min.insync.replicas"] = "2";
  }
  if (auto found = settings.find("min.insync.replicas"); found != settings.end()) {
    const std::string& text = found->second;
    const bool in_range = !text.empty() && text.size() <= 2 &&
                          text.find_first_not_of("0123456789") == std::string::npos &&
                          std::stoi(text) >= 1 && std::stoi(text) <= out->replication_factor;
    if (!in_range) {
      node.field("config")
          .field("min.insync.replicas")
          .failWithoutValue("must be a whole number from 1 to replication_factor (" +
                            std::to_string(out->replication_factor) + "), got \"" + text + "\"");
    }
  }
}

void readKafka(const ConfigReader& node, const EnvLookup& env, KafkaConfig& out) {
  node.required();
  node.rejectUnknownKeys({"bootstrap_servers", "host", "port", "topic", "client_id", "ssl_cafile",
                          "ssl_certfile", "ssl_keyfile", "properties", "create_topic"});
  const auto servers = node.field("bootstrap_servers");
  const auto host = node.field("host");
  const auto port = node.field("port");
  auto env_servers = env("WEBMON_KAFKA_BOOTSTRAP_SERVERS");
  if (servers.present() && (host.present() || port.present())) {
    host.failWithoutValue("give either bootstrap_servers or host + port, not both");
  } else if (servers.present()) {
    const std::size_t count = servers.arraySize();
    if (servers.raw()->is_array() && count == 0) servers.failWithoutValue("must not be empty");
    for (std::size_t i = 0; i < count; ++i) {
      const auto item = servers.element(i);
      auto text = item.nonEmptyString();
      if (text && !looksLikeHostPort(*text)) item.fail("must be host:port");
      if (text) out.bootstrap_servers.push_back(*text);
    }
  } else if (host.present() || port.present()) {
    auto host_text = host.required() ? host.nonEmptyString() : std::nullopt;
    auto port_number = port.required() ? port.integer(1, 65535) : std::nullopt;
    if (host_text && port_number) {
      out.bootstrap_servers.push_back(*host_text + ":" + std::to_string(*port_number));
    }
  } else if (!env_servers && node.present()) {
    node.field("bootstrap_servers").failWithoutValue("is required (or host + port)");
  }
  if (env_servers && !env_servers->empty()) out.bootstrap_servers = {*env_servers};

  assignIf(out.topic, node.field("topic").nonEmptyString());
  if (node.field("topic").present() && !isValidTopicName(out.topic)) {
    node.field("topic").fail("must be 1-249 characters of letters, digits, '.', '_' or '-'");
  }
  assignIf(out.client_id, node.field("client_id").nonEmptyString());
  assignIf(out.ssl_cafile, node.field("ssl_cafile").nonEmptyString());
  assignIf(out.ssl_certfile, node.field("ssl_certfile").nonEmptyString());
  assignIf(out.ssl_keyfile, node.field("ssl_keyfile").nonEmptyString());
  if (out.ssl_certfile.empty() != out.ssl_keyfile.empty()) {
    node.field(out.ssl_certfile.empty() ? "ssl_certfile" : "ssl_keyfile")
        .failWithoutValue("is required when ssl_certfile or ssl_keyfile is set (both or neither)");
  }

  const auto properties = node.field("properties");
  if (properties.present() && !properties.raw()->is_object()) {
    properties.failWithoutValue("must be an object of librdkafka property names to strings");
  } else if (properties.present()) {
    for (const auto& [key, value] : properties.raw()->items()) {
      const auto item = properties.field(key);
      // Numbers and booleans are accepted for convenience; librdkafka takes everything as text.
      if (value.is_string()) {
        out.properties[key] = value.get<std::string>();
      } else if (value.is_number() || value.is_boolean()) {
        out.properties[key] = value.dump();
      } else {
        item.failWithoutValue("must be a string, number or boolean");
      }
    }
  }
  readTopicSpec(node.field("create_topic"), out.create_topic);
  if (auto secret = env("WEBMON_KAFKA_SASL_PASSWORD")) out.properties["sasl.password"] = *secret;
  if (auto secret = env("WEBMON_KAFKA_SSL_KEY_PASSWORD")) {
    out.properties["ssl.key.password"] = *secret;
  }
}

void readDb(const ConfigReader& node, const EnvLookup& env, DbConfig& out) {
  node.rejectUnknownKeys(
      {"dsn", "host", "port", "db_name", "user", "password", "sslmode", "sslrootcert"});
  assignIf(out.dsn, node.field("dsn").nonEmptyString());
  assignIf(out.host, node.field("host").nonEmptyString());
  if (auto port = node.field("port").integer(1, 65535)) out.port = static_cast<int>(*port);
  assignIf(out.db_name, node.field("db_name").nonEmptyString());
  assignIf(out.user, node.field("user").nonEmptyString());
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

// "200", 204 or "200-299": one accepted status range, or nothing (and a problem recorded).
std::optional<StatusRange> readStatusRange(const ConfigReader& item) {
  const auto* raw = item.raw();
  if (raw != nullptr && raw->is_number_integer()) {
    const auto code = raw->get<long long>();
    if (code >= 100 && code <= 599) {
      return StatusRange{static_cast<int>(code), static_cast<int>(code)};
    }
  } else if (raw != nullptr && raw->is_string()) {
    const auto& text = raw->get_ref<const std::string&>();
    const auto dash = text.find('-');
    auto threeDigits = [](const std::string& part) {
      return part.size() == 3 && std::all_of(part.begin(), part.end(),
                                             [](unsigned char c) { return std::isdigit(c) != 0; });
    };
    const std::string first = text.substr(0, dash);
    const std::string last = dash == std::string::npos ? first : text.substr(dash + 1);
    if (threeDigits(first) && threeDigits(last)) {
      const int from = std::stoi(first), to = std::stoi(last);
      if (from >= 100 && to <= 599 && from <= to) return StatusRange{from, to};
    }
  }
  item.fail("must be a status code from 100 to 599 or a range like \"200-299\"");
  return std::nullopt;
}

// What makes a response a success, and what the probe sends.
void readHttpChecks(const ConfigReader& node, MonitoredUrl& out) {
  const auto statuses = node.field("expected_status");
  for (std::size_t i = 0; i < statuses.arraySize(); ++i) {
    if (auto range = readStatusRange(statuses.element(i))) out.expected_status.push_back(*range);
  }
  if (statuses.present() && statuses.raw()->is_array() && statuses.raw()->empty()) {
    statuses.failWithoutValue("must list at least one status or range (or be left out: 200-399)");
  }
  const auto regexp = node.field("regexp");
  if (auto pattern = regexp.nonEmptyString()) {
    if (pattern->size() > 4096) {
      regexp.failWithoutValue("must be at most 4096 characters");
    } else {
      auto compiled = Regexp::compile(*pattern);
      if (auto* error = std::get_if<std::string>(&compiled)) {
        regexp.fail(*error);
      } else {
        out.regexp = std::get<Regexp>(std::move(compiled));
      }
    }
  }
  if (auto bytes = node.field("max_body_bytes").integer(1, 10 * 1024 * 1024)) {
    out.max_body_bytes = static_cast<std::size_t>(*bytes);
  }
  const auto method = node.field("method");
  if (auto text = method.nonEmptyString()) {
    static const std::vector<std::string> methods = {"GET",    "HEAD",  "POST",   "PUT",
                                                     "DELETE", "PATCH", "OPTIONS"};
    if (std::find(methods.begin(), methods.end(), *text) == methods.end()) {
      method.fail("must be one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
    } else {
      out.method = *text;
    }
  }
  if (out.method == "HEAD" && out.regexp) {
    regexp.failWithoutValue("cannot be checked with method HEAD (a HEAD response has no body)");
  }
  const auto headers = node.field("headers");
  if (headers.present() && !headers.raw()->is_object()) {
    headers.failWithoutValue("must be an object of header names to values");
  } else if (headers.present()) {
    for (const auto& [name, value] : headers.raw()->items()) {
      const auto item = headers.field(name);
      const bool name_ok = !name.empty() && name.size() <= 256 &&
                           name.find_first_of(":\r\n \t") == std::string::npos;
      if (!name_ok) {
        item.failWithoutValue("is not a valid header name");
      } else if (!value.is_string() ||
                 value.get_ref<const std::string&>().find_first_of("\r\n") != std::string::npos ||
                 value.get_ref<const std::string&>().size() > 8192) {
        item.fail("must be a string of at most 8192 characters without line breaks");
      } else {
        out.headers.emplace_back(name, value.get<std::string>());
      }
    }
  }
  const auto body = node.field("body");
  if (auto text = body.string()) {
    if (text->size() > 1024 * 1024) {
      body.failWithoutValue("must be at most 1 MiB");
    } else {
      out.body = *text;
    }
  }
  if (auto verify = node.field("verify_tls").boolean()) out.verify_tls = *verify;
  if (auto days = node.field("min_cert_days").integer(0, 3650)) {
    out.min_cert_days = static_cast<int>(*days);
  }
  const auto expiring = node.field("expiring_cert");
  if (auto action = expiring.nonEmptyString()) {
    if (*action != "degraded" && *action != "down") {
      expiring.fail("must be degraded or down");
    } else {
      out.expiring_cert_is_down = *action == "down";
    }
  }
  if (out.type != ProbeType::Http) {
    // These describe an HTTP exchange; on a tcp or tls probe they would silently do nothing.
    for (const char* key :
         {"expected_status", "method", "headers", "body", "follow_redirects", "max_redirects"}) {
      if (node.field(key).present()) {
        node.field(key).failWithoutValue("applies to type http only");
      }
    }
  }
  // tcp and tls probes may say something once connected and expect a reply (`regexp`).
  const auto send = node.field("send");
  if (out.type != ProbeType::Tcp && out.type != ProbeType::Tls) {
    if (send.present()) send.failWithoutValue("applies to types tcp and tls only");
  } else if (auto text = send.string()) {
    if (text->size() > 64 * 1024) {
      send.failWithoutValue("must be at most 64 KiB");
    } else {
      out.send = *text;
    }
  }
  if (out.type == ProbeType::Dns) {
    for (const char* key : {"regexp", "max_body_bytes"}) {
      if (node.field(key).present()) {
        node.field(key).failWithoutValue("does not apply to type dns (see expect)");
      }
    }
    for (const char* key : {"ca_file", "verify_tls", "min_cert_days", "expiring_cert"}) {
      if (node.field(key).present()) {
        node.field(key).failWithoutValue("does not apply to type dns");
      }
    }
  }
}

// A DNS server as "ip" or "ip:port" (IPv6 as "[ip]:port"): c-ares takes addresses only.
bool isDnsServer(const std::string& text) {
  std::string host = text;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) return false;
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return false;
      port = text.substr(close + 2);
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  } else {
    const auto colon = text.find(':');
    if (colon != std::string::npos) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
    }
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) != 1) return false;
  }
  if (port.empty()) return text.back() != ':';
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return false;
  }
  const int number = std::stoi(port);
  return number >= 1 && number <= 65535;
}

// What a dns probe asks, of whom, and what it expects back.
void readDnsCheck(const ConfigReader& node, MonitoredUrl& out) {
  const bool dns = out.type == ProbeType::Dns;
  for (const char* key : {"record", "expect", "dns_server"}) {
    if (!dns && node.field(key).present()) {
      node.field(key).failWithoutValue("applies to type dns only");
    }
  }
  if (!dns) return;
  const auto record = node.field("record");
  if (auto name = record.nonEmptyString()) {
    const std::string upper = [](std::string text) {
      for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return text;
    }(*name);
    bool known = false;
    for (auto candidate :
         {DnsRecord::A, DnsRecord::AAAA, DnsRecord::CNAME, DnsRecord::MX, DnsRecord::TXT}) {
      if (dnsRecordName(candidate) == upper) {
        out.dns_record = candidate;
        known = true;
      }
    }
    if (!known) record.fail("must be one of A, AAAA, CNAME, MX, TXT");
  }
  const auto expect = node.field("expect");
  if (auto value = expect.nonEmptyString()) {
    if (value->size() > 4096) {
      expect.failWithoutValue("must be at most 4096 characters");
    } else {
      out.dns_expect = *value;
    }
  }
  const auto server = node.field("dns_server");
  if (auto text = server.nonEmptyString()) {
    if (!isDnsServer(*text)) {
      server.fail("must be an IP address with an optional port, such as 127.0.0.1:5353");
    } else {
      out.dns_server = *text;
    }
  }
}

// attempts and attempt_spacing: all of a period's attempts must fit in the period, so a run
// is over before the next one starts.
void readAttempts(const ConfigReader& node, MonitoredUrl& out, bool timing_ok) {
  const auto attempts = node.field("attempts");
  if (auto count = attempts.integer(1, 10)) out.attempts = static_cast<int>(*count);
  const auto spacing = node.field("attempt_spacing");
  if (auto ms = spacing.positiveSecondsAsMs(kMaxPeriodSeconds)) {
    out.attempt_spacing = milliseconds(*ms);
  }
  if (spacing.present() && !attempts.present()) {
    spacing.failWithoutValue("needs attempts (more than 1)");
  }
  if (!timing_ok || out.attempts == 1) return;
  const auto needed = out.timeout * out.attempts + out.attempt_spacing * (out.attempts - 1);
  if (needed >= out.period) {
    attempts.fail("with timeout " + formatNumber(out.timeout.count() / 1000.0) +
                  " and attempt_spacing " + formatNumber(out.attempt_spacing.count() / 1000.0) +
                  " the attempts may take " + formatNumber(needed.count() / 1000.0) +
                  " s: must fit in period (" + formatNumber(out.period.count() / 1000.0) + ")");
  }
}

void readUrl(const ConfigReader& node, MonitoredUrl& out) {
  node.rejectUnknownKeys({"url",
                          "name",
                          "type",
                          "timeout",
                          "period",
                          "follow_redirects",
                          "max_redirects",
                          "ca_file",
                          "degraded_after_ms",
                          "expected_status",
                          "regexp",
                          "max_body_bytes",
                          "method",
                          "headers",
                          "body",
                          "verify_tls",
                          "min_cert_days",
                          "expiring_cert",
                          "record",
                          "expect",
                          "dns_server",
                          "attempts",
                          "attempt_spacing",
                          "send"});
  const auto type = node.field("type");
  if (auto name = type.nonEmptyString()) {
    if (*name == "http") {
      out.type = ProbeType::Http;
    } else if (*name == "tcp") {
      out.type = ProbeType::Tcp;
    } else if (*name == "tls") {
      out.type = ProbeType::Tls;
    } else if (*name == "dns") {
      out.type = ProbeType::Dns;
    } else {
      type.fail("must be http, tcp, tls or dns");
    }
  }
  const auto url = node.field("url");
  if (url.required()) {
    if (auto text = url.nonEmptyString()) {
      if (auto problem = checkProbeUrl(*text, out.type)) {
        url.fail(*problem);
      } else {
        out.url = *text;
        if (out.type != ProbeType::Dns) {
          auto endpoint = probeEndpoint(out.url);
          if (endpoint) {
            out.host = std::move(endpoint->host);
            out.port = endpoint->port;
          }
        }
      }
    }
  }
  assignIf(out.name, node.field("name").nonEmptyString());
  if (out.name.size() > kMaxUrlLength) {
    node.field("name").fail("must be at most " + std::to_string(kMaxUrlLength) + " characters");
  }
  if (out.name.empty()) out.name = out.url;
  const auto timeout = node.field("timeout").positiveSecondsAsMs(kMaxTimeoutSeconds);
  const auto period = node.field("period").positiveSecondsAsMs(kMaxPeriodSeconds);
  if (timeout) out.timeout = milliseconds(*timeout);
  if (period) out.period = milliseconds(*period);
  // Only compare when neither value was itself invalid, so one mistake yields one message.
  const bool timeout_ok = timeout || !node.field("timeout").present();
  const bool period_ok = period || !node.field("period").present();
  if (timeout_ok && period_ok && out.period <= out.timeout) {
    std::ostringstream rule;
    rule << "must be greater than timeout (" << formatNumber(out.timeout.count() / 1000.0) << ")";
    if (node.field("period").present()) {
      node.field("period").fail(rule.str());
    } else {
      node.field("timeout").fail("must be less than period (default 60)");
    }
  }
  if (auto follow = node.field("follow_redirects").boolean()) out.follow_redirects = *follow;
  if (auto max = node.field("max_redirects").integer(0, 50)) {
    out.max_redirects = static_cast<int>(*max);
  }
  assignIf(out.ca_file, node.field("ca_file").nonEmptyString());
  const auto degraded = node.field("degraded_after_ms");
  if (auto ms = degraded.integer(1, static_cast<long long>(kMaxTimeoutSeconds) * 1000)) {
    if (timeout_ok && milliseconds(*ms) >= out.timeout) {
      degraded.fail("must be less than timeout (" +
                    formatNumber(static_cast<double>(out.timeout.count())) + " ms)");
    } else {
      out.degraded_after = milliseconds(*ms);
    }
  }
  readHttpChecks(node, out);
  readDnsCheck(node, out);
  readAttempts(node, out, timeout_ok && period_ok && out.period > out.timeout);
}

void readUrls(const ConfigReader& node, std::vector<MonitoredUrl>& out) {
  if (!node.required()) return;
  const std::size_t count = node.arraySize();
  out.reserve(count);
  std::unordered_map<std::string, std::size_t> first_index;
  for (std::size_t i = 0; i < count; ++i) {
    const auto item = node.element(i);
    if (!item.raw()->is_object()) {
      item.fail("must be an object with at least a \"url\"");
      continue;
    }
    MonitoredUrl url;
    readUrl(item, url);
    if (url.url.empty()) continue;
    auto [it, inserted] = first_index.emplace(url.url, i);
    if (!inserted) {
      item.field("url").fail("duplicates monitored_urls[" + std::to_string(it->second) + "].url");
      continue;
    }
    out.push_back(std::move(url));
  }
}

void readLogging(const ConfigReader& node, LoggingConfig& out) {
  node.rejectUnknownKeys({"level", "file", "max_file_size_mb", "max_files", "format"});
  const auto level = node.field("level");
  if (auto text = level.nonEmptyString()) {
    static const std::vector<std::string> levels = {"trace", "debug", "info",
                                                    "warn",  "error", "critical"};
    if (std::find(levels.begin(), levels.end(), *text) == levels.end()) {
      level.fail("must be one of trace, debug, info, warn, error, critical");
    } else {
      out.level = *text;
    }
  }
  assignIf(out.file, node.field("file").nonEmptyString());
  if (auto mb = node.field("max_file_size_mb").integer(1, 10'240)) {
    out.max_file_size_bytes = static_cast<std::size_t>(*mb) * 1024 * 1024;
  }
  if (auto files = node.field("max_files").integer(1, 1000)) {
    out.max_files = static_cast<std::size_t>(*files);
  }
  const auto format = node.field("format");
  if (auto text = format.nonEmptyString()) {
    if (*text != "text" && *text != "json") {
      format.fail("must be text or json");
    } else {
      out.json = *text == "json";
    }
  }
}

std::string hostName() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "webmon-producer";
  return buffer;
}

void readProducer(const ConfigReader& node, ProducerConfig& out) {
  node.rejectUnknownKeys({"id", "queue_limit", "max_concurrent_probes", "delivery_timeout",
                          "shutdown_timeout", "stats_interval", "watch_config", "metrics_listen",
                          "health_grace", "dns_cache"});
  assignIf(out.producer_id, node.field("id").nonEmptyString());
  if (out.producer_id.empty()) out.producer_id = hostName();
  if (auto limit = node.field("queue_limit").integer(1, 100'000'000)) {
    out.queue_limit = static_cast<std::size_t>(*limit);
  }
  if (auto max = node.field("max_concurrent_probes").integer(1, 15'000)) {
    out.max_concurrent_probes = static_cast<std::size_t>(*max);
  }
  if (auto ms = node.field("delivery_timeout").positiveSecondsAsMs(3600)) {
    out.delivery_timeout = milliseconds(*ms);
  }
  if (auto ms = node.field("shutdown_timeout").positiveSecondsAsMs(600)) {
    out.shutdown_timeout = milliseconds(*ms);
  }
  if (auto ms = node.field("stats_interval").positiveSecondsAsMs(86'400)) {
    out.stats_interval = milliseconds(*ms);
  }
  if (auto watch = node.field("watch_config").boolean()) out.watch_config = *watch;
  if (auto cache = node.field("dns_cache").boolean()) out.dns_cache = *cache;
  readListen(node.field("metrics_listen"), out.metrics_listen);
  if (auto ms = node.field("health_grace").positiveSecondsAsMs(86'400)) {
    out.health_grace = milliseconds(*ms);
  }
}

void readConsumer(const ConfigReader& node, ConsumerConfig& out) {
  node.rejectUnknownKeys({"group_id", "batch_max_messages", "batch_max_wait", "session_timeout",
                          "stats_interval", "metrics_listen", "health_grace"});
  assignIf(out.group_id, node.field("group_id").nonEmptyString());
  if (auto max = node.field("batch_max_messages").integer(1, 1'000'000)) {
    out.batch_max_messages = static_cast<std::size_t>(*max);
  }
  if (auto ms = node.field("batch_max_wait").positiveSecondsAsMs(60)) {
    out.batch_max_wait = milliseconds(*ms);
  }
  const auto session = node.field("session_timeout");
  if (auto ms = session.positiveSecondsAsMs(3600)) {
    // Kafka brokers refuse session timeouts below group.min.session.timeout.ms (6 s by default).
    if (*ms < 1000) {
      session.fail("must be at least 1 second");
    } else {
      out.session_timeout = milliseconds(*ms);
    }
  }
  if (auto ms = node.field("stats_interval").positiveSecondsAsMs(86'400)) {
    out.stats_interval = milliseconds(*ms);
  }
  readListen(node.field("metrics_listen"), out.metrics_listen);
  if (auto ms = node.field("health_grace").positiveSecondsAsMs(86'400)) {
    out.health_grace = milliseconds(*ms);
  }
}

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

// libcurl knows http's and https's default ports; tcp:// and tls:// always name theirs.
std::optional<Endpoint> probeEndpoint(const std::string& url) {
  CURLU* handle = curl_url();
  if (handle == nullptr) return std::nullopt;
  char* host = nullptr;
  char* port = nullptr;
  std::optional<Endpoint> endpoint;
  if (curl_url_set(handle, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
      curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(handle, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    endpoint = Endpoint{host, std::atoi(port)};
  }
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(handle);
  return endpoint;
}

std::string KafkaConfig::bootstrapList() const {
  std::string list;
  for (const auto& server : bootstrap_servers) list += (list.empty() ? "" : ",") + server;
  return list;
}

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

EnvLookup processEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Config parseConfig(std::string_view json_text, const EnvLookup& env) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& error) {
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line..."
    std::string message = error.what();
    if (auto colon = message.find(": "); colon != std::string::npos) {
      message = message.substr(colon + 2);
    }
    throw ConfigError({"not valid JSON at " + lineAndColumn(json_text, error.byte - 1) + ": " +
                       escapeInvalidUtf8(message)});
  } catch (const nlohmann::json::exception& error) {
    // Not a syntax error but, e.g., a number too large for a double (1e999); the config
    // fuzzer found that nlohmann reports those as out_of_range.
    std::string message = error.what();
    if (auto bracket = message.find("] "); bracket != std::string::npos) {
      message = message.substr(bracket + 2);
    }
    throw ConfigError({"not valid JSON at line 1, column 1: " + escapeInvalidUtf8(message)});
  }
  ConfigProblems problems;
  const ConfigReader root(&document, "", problems);
  Config config;
  if (!document.is_object()) {
    root.failWithoutValue("the configuration must be a JSON object");
    problems.throwIfAny();
  }
  root.rejectUnknownKeys({"kafka", "db", "monitored_urls", "logging", "producer", "consumer"});
  readKafka(root.field("kafka"), env, config.kafka);
  readDb(root.field("db"), env, config.db);
  readUrls(root.field("monitored_urls"), config.monitored_urls);
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
  return parseConfig(text.str(), env);
}

std::string_view probeTypeName(ProbeType type) {
  switch (type) {
    case ProbeType::Tcp:
      return "tcp";
    case ProbeType::Tls:
      return "tls";
    case ProbeType::Dns:
      return "dns";
    case ProbeType::Http:
      break;
  }
  return "http";
}

std::string_view dnsRecordName(DnsRecord record) {
  switch (record) {
    case DnsRecord::AAAA:
      return "AAAA";
    case DnsRecord::CNAME:
      return "CNAME";
    case DnsRecord::MX:
      return "MX";
    case DnsRecord::TXT:
      return "TXT";
    case DnsRecord::A:
      break;
  }
  return "A";
}

}  // namespace webmon::common
