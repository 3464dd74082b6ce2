// The monitored_urls section: each URL's probe type, timing, HTTP checks, dns settings and
// attempts, with the rules that tie them together (period > timeout, attempts fit a period).

#include <arpa/inet.h>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/config.h"
#include "common/config_sections.h"
#include "common/probe_report.h"
#include "common/probe_url.h"

namespace webmon::common {
namespace config_sections {
namespace {

constexpr double kMaxTimeoutSeconds = 300;
constexpr double kMaxPeriodSeconds = 7 * 24 * 3600;

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

// The statuses that count as success (default 200-399).
void readExpectedStatus(const ConfigReader& node, MonitoredUrl& out) {
  const auto statuses = node.field("expected_status");
  for (std::size_t i = 0; i < statuses.arraySize(); ++i) {
    if (auto range = readStatusRange(statuses.element(i))) out.expected_status.push_back(*range);
  }
  if (statuses.present() && statuses.raw()->is_array() && statuses.raw()->empty()) {
    statuses.failWithoutValue("must list at least one status or range (or be left out: 200-399)");
  }
}

// `regexp` over the start of the body (or a tcp/tls reply), and how much of it to read.
void readBodyCheck(const ConfigReader& node, MonitoredUrl& out) {
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
}

void readHeaders(const ConfigReader& headers, MonitoredUrl& out) {
  if (!headers.present()) return;
  if (!headers.raw()->is_object()) {
    headers.failWithoutValue("must be an object of header names to values");
    return;
  }
  for (const auto& [name, value] : headers.raw()->items()) {
    const auto item = headers.field(name);
    const bool name_ok =
        !name.empty() && name.size() <= 256 && name.find_first_of(":\r\n \t") == std::string::npos;
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

// What an http probe sends: method, headers and body.
void readRequest(const ConfigReader& node, MonitoredUrl& out) {
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
    node.field("regexp").failWithoutValue(
        "cannot be checked with method HEAD (a HEAD response has no body)");
  }
  readHeaders(node.field("headers"), out);
  const auto body = node.field("body");
  if (auto text = body.string()) {
    if (text->size() > 1024 * 1024) {
      body.failWithoutValue("must be at most 1 MiB");
    } else {
      out.body = *text;
    }
  }
}

// Certificate checks: verification, and how close to expiry is still up.
void readTlsChecks(const ConfigReader& node, MonitoredUrl& out) {
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
}

// What tcp and tls probes say once connected (they may expect a reply with `regexp`).
void readSend(const ConfigReader& node, MonitoredUrl& out) {
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
}

// Keys that would silently do nothing on this URL's type are errors.
void rejectKeysOfOtherTypes(const ConfigReader& node, const MonitoredUrl& out) {
  auto reject = [&](std::initializer_list<const char*> keys, const char* rule) {
    for (const char* key : keys) {
      if (node.field(key).present()) node.field(key).failWithoutValue(rule);
    }
  };
  if (out.type != ProbeType::Http) {
    reject({"expected_status", "method", "headers", "body", "follow_redirects", "max_redirects"},
           "applies to type http only");
  }
  if (out.type == ProbeType::Dns) {
    reject({"regexp", "max_body_bytes"}, "does not apply to type dns (see expect)");
    reject({"ca_file", "verify_tls", "min_cert_days", "expiring_cert"},
           "does not apply to type dns");
  }
}

// What makes a response a success, and what the probe sends.
void readHttpChecks(const ConfigReader& node, MonitoredUrl& out) {
  readExpectedStatus(node, out);
  readBodyCheck(node, out);
  readRequest(node, out);
  readTlsChecks(node, out);
  rejectKeysOfOtherTypes(node, out);
  readSend(node, out);
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
    if (auto known = kDnsRecords.parse(upper)) {
      out.dns_record = *known;
    } else {
      record.fail("must be one of " + kDnsRecords.choices());
    }
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

// Every key a URL may have; any other is an error (a typo must not be ignored).
const std::initializer_list<std::string_view> kUrlKeys = {
    // identity and timing
    "url", "name", "group", "type", "timeout", "period", "degraded_after_ms",
    // http
    "follow_redirects", "max_redirects", "expected_status", "method", "headers", "body",
    "basic_auth",
    // body and certificate checks
    "regexp", "max_body_bytes", "ca_file", "verify_tls", "min_cert_days", "expiring_cert",
    // alerts (the consumer's), dns, tcp and tls, attempts
    "alerts", "record", "expect", "dns_server", "send", "attempts", "attempt_spacing"};

// type, url (and the host and port it names), name and group.
void readIdentity(const ConfigReader& node, MonitoredUrl& out) {
  const auto type = node.field("type");
  if (auto name = type.nonEmptyString()) {
    if (auto known = kProbeTypes.parse(*name)) {
      out.type = *known;
    } else {
      type.fail("must be " + kProbeTypes.choices());
    }
  }
  const auto url = node.field("url");
  if (url.required()) {
    if (auto text = url.nonEmptyString()) {
      if (auto problem = checkProbeUrl(*text, out.type)) {
        url.failShowing(*problem, maskUrlPassword(*text));
      } else {
        takeCredentialsFromUrl(url, *text, out);
        if (out.type != ProbeType::Dns) {
          if (auto endpoint = probeEndpoint(*text)) {
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
  assignIf(out.group, node.field("group").nonEmptyString());
  if (out.group.size() > 200) node.field("group").fail("must be at most 200 characters");
}

// timeout, period and degraded_after_ms, which bound each other. Returns whether timeout and
// period are both valid and consistent (the attempts are checked against them).
bool readTiming(const ConfigReader& node, MonitoredUrl& out) {
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
  const auto degraded = node.field("degraded_after_ms");
  if (auto ms = degraded.integer(1, static_cast<long long>(kMaxTimeoutSeconds) * 1000)) {
    if (timeout_ok && milliseconds(*ms) >= out.timeout) {
      degraded.fail("must be less than timeout (" +
                    formatNumber(static_cast<double>(out.timeout.count())) + " ms)");
    } else {
      out.degraded_after = milliseconds(*ms);
    }
  }
  return timeout_ok && period_ok && out.period > out.timeout;
}

void readUrl(const ConfigReader& node, const EnvLookup& env,
             const std::vector<AlertReceiver>& receivers, MonitoredUrl& out) {
  node.rejectUnknownKeys(kUrlKeys);
  readIdentity(node, out);
  readBasicAuth(node, env, out);
  const bool timing_ok = readTiming(node, out);
  if (auto follow = node.field("follow_redirects").boolean()) out.follow_redirects = *follow;
  if (auto max = node.field("max_redirects").integer(0, 50)) {
    out.max_redirects = static_cast<int>(*max);
  }
  assignIf(out.ca_file, node.field("ca_file").nonEmptyString());
  readHttpChecks(node, out);
  readDnsCheck(node, out);
  readAttempts(node, out, timing_ok);
  readUrlAlerts(node.field("alerts"), receivers, out.alerts);
}

}  // namespace

void readUrls(const ConfigReader& node, const EnvLookup& env,
              const std::vector<AlertReceiver>& receivers, const std::string& source,
              SeenUrls& seen, std::vector<MonitoredUrl>& out) {
  if (!node.present()) return;
  const std::size_t count = node.arraySize();
  out.reserve(out.size() + count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto item = node.element(i);
    if (!item.raw()->is_object()) {
      item.fail("must be an object with at least a \"url\"");
      continue;
    }
    MonitoredUrl url;
    readUrl(item, env, receivers, url);
    if (url.url.empty()) continue;
    url.source = source;
    auto [it, inserted] = seen.emplace(url.url, item.field("url").path());
    if (!inserted) {
      // Compared as shown: two entries that differ only by their password are one target.
      item.field("url").failShowing("duplicates " + it->second, url.url);
      continue;
    }
    out.push_back(std::move(url));
  }
}

}  // namespace config_sections
}  // namespace webmon::common
