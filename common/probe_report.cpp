#include "common/probe_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

#include "common/utf8.h"

namespace webmon::common {
namespace {

constexpr std::array<std::string_view, kErrorKindCount> kErrorKindNames = {"timeout",
                                                                           "dns",
                                                                           "connect",
                                                                           "tls",
                                                                           "http",
                                                                           "protocol",
                                                                           "other",
                                                                           "regexp",
                                                                           "too_many_redirects",
                                                                           "connect_timeout",
                                                                           "dns_answer"};

constexpr std::array<std::string_view, 3> kProbeStatusNames = {"up", "degraded", "down"};

constexpr std::size_t kMaxTextLength = 4096;

// Microsecond resolution is plenty and keeps the text short.
double roundToMicroseconds(double ms) { return std::round(ms * 1000.0) / 1000.0; }

// Reads "timings" (schema 2): an object of phase durations, each null or a number >= 0.
bool readTimings(const nlohmann::json& json, PhaseTimings& out, std::string& reason) {
  auto it = json.find("timings");
  if (it == json.end() || it->is_null()) return true;
  if (!it->is_object()) {
    reason = "field \"timings\" must be null or an object of phase durations";
    return false;
  }
  const std::pair<const char*, std::optional<double>*> phases[] = {{"dns_ms", &out.dns_ms},
                                                                   {"connect_ms", &out.connect_ms},
                                                                   {"tls_ms", &out.tls_ms},
                                                                   {"ttfb_ms", &out.ttfb_ms}};
  for (const auto& [key, target] : phases) {
    auto phase = it->find(key);
    if (phase == it->end() || phase->is_null()) continue;
    if (!phase->is_number() || !(phase->get<double>() >= 0) ||
        !std::isfinite(phase->get<double>())) {
      reason = std::string("timings.") + key + " must be null or a number >= 0";
      return false;
    }
    *target = phase->get<double>();
  }
  return true;
}

bool isDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int toInt(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

// Reads one field, or explains what is wrong with it. Each check returns false and sets
// `reason` so the caller can stop at the first problem.
class FieldChecker {
 public:
  FieldChecker(const nlohmann::json& object, std::string& reason)
      : object_(object), reason_(reason) {}

  const nlohmann::json* get(const char* key, bool nullable) {
    auto it = object_.find(key);
    if (it == object_.end()) return failed(std::string("missing field \"") + key + "\"");
    if (it->is_null() && !nullable) {
      return failed(std::string("field \"") + key + "\" must not be null");
    }
    return &*it;
  }

  std::optional<std::string> string(const char* key, std::size_t max_length, bool allow_empty) {
    const auto* value = get(key, false);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string())
      return failedOpt(std::string("field \"") + key + "\" must be a string");
    auto text = value->get<std::string>();
    // PostgreSQL text cannot hold NUL; such a report would fail every insert of its batch.
    if (text.find('\0') != std::string::npos) {
      return failedOpt(std::string("field \"") + key + "\" contains a NUL character");
    }
    if (!allow_empty && text.empty()) {
      return failedOpt(std::string("field \"") + key + "\" must not be empty");
    }
    if (text.size() > max_length) {
      return failedOpt(std::string("field \"") + key + "\" is longer than " +
                       std::to_string(max_length) + " bytes");
    }
    return text;
  }

  std::nullptr_t failed(std::string reason) {
    reason_ = std::move(reason);
    return nullptr;
  }
  std::nullopt_t failedOpt(std::string reason) {
    reason_ = std::move(reason);
    return std::nullopt;
  }

 private:
  const nlohmann::json& object_;
  std::string& reason_;
};

// The optional body-check fields: "regexp" (string), "regexp_found" and "body_truncated"
// (booleans), each absent or null when the URL has no regexp.
bool readBodyCheck(const nlohmann::json& json, ProbeReport& report, std::string& reason) {
  if (auto it = json.find("regexp"); it != json.end() && !it->is_null()) {
    if (!it->is_string() || it->get_ref<const std::string&>().size() > 4096 ||
        it->get_ref<const std::string&>().find('\0') != std::string::npos) {
      reason = "field \"regexp\" must be null or a string of at most 4096 bytes without NUL";
      return false;
    }
    report.regexp = it->get<std::string>();
  }
  for (auto [key, target] : {std::pair{"regexp_found", &report.regexp_found},
                             std::pair{"body_truncated", &report.body_truncated}}) {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_boolean()) {
      reason = std::string("field \"") + key + "\" must be null, true or false";
      return false;
    }
    *target = it->get<bool>();
  }
  return true;
}

// The optional certificate fields: "cert_expires_at" (RFC 3339) and "cert_days_left".
bool readCertificate(const nlohmann::json& json, ProbeReport& report, std::string& reason) {
  if (auto it = json.find("cert_expires_at"); it != json.end() && !it->is_null()) {
    std::optional<SystemTime> when;
    if (it->is_string() && it->get_ref<const std::string&>().size() <= 64) {
      when = parseRfc3339(it->get_ref<const std::string&>());
    }
    if (!when) {
      reason = "field \"cert_expires_at\" must be null or an RFC 3339 timestamp";
      return false;
    }
    report.cert_expires_at = *when;
  }
  if (auto it = json.find("cert_days_left"); it != json.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<long long>() < -1'000'000 ||
        it->get<long long>() > 1'000'000) {
      reason = "field \"cert_days_left\" must be null or a whole number of days";
      return false;
    }
    report.cert_days_left = static_cast<int>(it->get<long long>());
  }
  return true;
}

// Reads "dns_record" and "dns_answers" (schema 3, dns probes): both or neither.
bool readDnsAnswers(const nlohmann::json& json, ProbeReport& report, std::string& reason) {
  auto record = json.find("dns_record");
  auto answers = json.find("dns_answers");
  const bool has_record = record != json.end() && !record->is_null();
  const bool has_answers = answers != json.end() && !answers->is_null();
  if (!has_record && !has_answers) return true;
  if (!has_record || !has_answers) {
    reason = "fields \"dns_record\" and \"dns_answers\" come together";
    return false;
  }
  if (!record->is_string() || (*record != "A" && *record != "AAAA" && *record != "CNAME" &&
                               *record != "MX" && *record != "TXT")) {
    reason = "field \"dns_record\" must be A, AAAA, CNAME, MX or TXT";
    return false;
  }
  if (!answers->is_array() || answers->size() > kMaxDnsAnswers) {
    reason = "field \"dns_answers\" must be an array of at most " + std::to_string(kMaxDnsAnswers) +
             " strings";
    return false;
  }
  std::vector<std::string> texts;
  for (const auto& answer : *answers) {
    if (!answer.is_string() || answer.get_ref<const std::string&>().size() > kMaxTextLength ||
        answer.get_ref<const std::string&>().find('\0') != std::string::npos) {
      reason = "field \"dns_answers\" must hold strings of at most " +
               std::to_string(kMaxTextLength) + " bytes without NUL";
      return false;
    }
    texts.push_back(answer.get<std::string>());
  }
  report.dns_record = record->get<std::string>();
  report.dns_answers = std::move(texts);
  return true;
}

// Reads "attempts" (schema 3): [{at, ms, ok, error?}, ...]. "attempt_ms" is derived from it
// and not read back.
bool readAttempts(const nlohmann::json& json, ProbeReport& report, std::string& reason) {
  auto list = json.find("attempts");
  if (list == json.end() || list->is_null()) return true;
  const std::string rule =
      "field \"attempts\" must be an array of at most " + std::to_string(kMaxAttempts) +
      " objects {at: RFC 3339, ms: number >= 0, ok: boolean, error: a known kind (optional)}";
  if (!list->is_array() || list->size() > kMaxAttempts) {
    reason = rule;
    return false;
  }
  for (const auto& item : *list) {
    Attempt attempt;
    auto at = item.is_object() ? item.find("at") : item.end();
    auto ms = item.is_object() ? item.find("ms") : item.end();
    auto ok = item.is_object() ? item.find("ok") : item.end();
    if (!item.is_object() || at == item.end() || !at->is_string() || ms == item.end() ||
        !ms->is_number() || !(ms->get<double>() >= 0) || !std::isfinite(ms->get<double>()) ||
        ok == item.end() || !ok->is_boolean()) {
      reason = rule;
      return false;
    }
    auto when = parseRfc3339(at->get_ref<const std::string&>());
    if (!when) {
      reason = rule;
      return false;
    }
    attempt.at = *when;
    attempt.ms = ms->get<double>();
    attempt.ok = ok->get<bool>();
    if (auto error = item.find("error"); error != item.end() && !error->is_null()) {
      auto kind = error->is_string() ? errorKindFromName(error->get_ref<const std::string&>())
                                     : std::nullopt;
      if (!kind) {
        reason = rule;
        return false;
      }
      attempt.error_kind = kind;
    }
    report.attempts.push_back(attempt);
  }
  return true;
}

nlohmann::json attemptsToJson(const std::vector<Attempt>& attempts) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& attempt : attempts) {
    nlohmann::json item = {{"at", formatRfc3339(attempt.at)},
                           {"ms", roundToMicroseconds(attempt.ms)},
                           {"ok", attempt.ok}};
    if (attempt.error_kind) item["error"] = errorKindName(*attempt.error_kind);
    list.push_back(std::move(item));
  }
  return list;
}

std::optional<ProbeReport> readReport(const nlohmann::json& json, std::string& reason) {
  if (!json.is_object()) {
    reason = "a report must be a JSON object";
    return std::nullopt;
  }
  FieldChecker check(json, reason);
  ProbeReport report;

  const auto* version = check.get("schema_version", false);
  if (version == nullptr) return std::nullopt;
  if (!version->is_number_integer() || version->get<long long>() < 1) {
    reason = "field \"schema_version\" must be a positive integer";
    return std::nullopt;
  }
  if (version->get<long long>() > kReportSchemaVersion) {
    reason = "schema_version " + std::to_string(version->get<long long>()) +
             " is newer than this consumer understands (" + std::to_string(kReportSchemaVersion) +
             "); upgrade webmon-consumer and replay the rejected rows";
    return std::nullopt;
  }
  report.schema_version = static_cast<int>(version->get<long long>());

  auto id = check.string("id", 64, false);
  if (!id) return std::nullopt;
  if (!isUuid(*id)) {
    reason = "field \"id\" must be a UUID";
    return std::nullopt;
  }
  // Canonical lower case, as PostgreSQL prints uuids, so ids compare as text too.
  for (auto& c : *id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  report.id = std::move(*id);

  // Absent before probe types existed: http.
  if (auto type = json.find("type"); type != json.end() && !type->is_null()) {
    if (!type->is_string() ||
        (*type != "http" && *type != "tcp" && *type != "tls" && *type != "dns")) {
      reason = "field \"type\" must be http, tcp, tls or dns";
      return std::nullopt;
    }
    report.type = type->get<std::string>();
  }

  auto url = check.string("url", kMaxUrlLength, false);
  if (!url) return std::nullopt;
  report.url = std::move(*url);

  // An absent or null name defaults to the URL, as in the config.
  auto name_it = json.find("name");
  if (name_it == json.end() || name_it->is_null()) {
    report.name = report.url;
  } else if (!name_it->is_string() ||
             name_it->get_ref<const std::string&>().size() > kMaxUrlLength) {
    // The URL's limit: a name defaults to the URL (the fuzzer found the mismatch).
    reason = "field \"name\" must be a string of at most 8192 bytes";
    return std::nullopt;
  } else if (name_it->get_ref<const std::string&>().find('\0') != std::string::npos) {
    reason = "field \"name\" contains a NUL character";
    return std::nullopt;
  } else {
    report.name = name_it->get<std::string>();
  }

  auto checked_at_text = check.string("checked_at", 64, false);
  if (!checked_at_text) return std::nullopt;
  auto checked_at = parseRfc3339(*checked_at_text);
  if (!checked_at) {
    reason = "field \"checked_at\" must be an RFC 3339 timestamp";
    return std::nullopt;
  }
  report.checked_at = *checked_at;

  const auto* ok = check.get("ok", false);
  if (ok == nullptr) return std::nullopt;
  if (!ok->is_boolean()) {
    reason = "field \"ok\" must be true or false";
    return std::nullopt;
  }
  report.ok = ok->get<bool>();

  const auto* status = check.get("http_status", true);
  if (status == nullptr) return std::nullopt;
  if (!status->is_null()) {
    if (!status->is_number_integer() || status->get<long long>() < 100 ||
        status->get<long long>() > 999) {
      reason = "field \"http_status\" must be null or an integer from 100 to 999";
      return std::nullopt;
    }
    report.http_status = static_cast<int>(status->get<long long>());
  }

  const auto* elapsed = check.get("response_time_ms", false);
  if (elapsed == nullptr) return std::nullopt;
  if (!elapsed->is_number() || !(elapsed->get<double>() >= 0) ||
      !std::isfinite(elapsed->get<double>())) {
    reason = "field \"response_time_ms\" must be a number >= 0";
    return std::nullopt;
  }
  report.response_time_ms = elapsed->get<double>();
  if (!readTimings(json, report.timings, reason)) return std::nullopt;

  const auto* error = check.get("error", true);
  if (error == nullptr) return std::nullopt;
  if (!error->is_null()) {
    if (!error->is_object()) {
      reason = "field \"error\" must be null or an object {kind, message}";
      return std::nullopt;
    }
    FieldChecker error_check(*error, reason);
    auto kind_name = error_check.string("kind", 32, false);
    if (!kind_name) {
      reason = "in \"error\": " + reason;
      return std::nullopt;
    }
    auto kind = errorKindFromName(*kind_name);
    if (!kind) {
      reason = "error.kind \"" + *kind_name + "\" is not a known kind";
      return std::nullopt;
    }
    auto message = error_check.string("message", kMaxTextLength, true);
    if (!message) {
      reason = "in \"error\": " + reason;
      return std::nullopt;
    }
    report.error = ProbeError{*kind, std::move(*message)};
  }
  if (report.ok == report.error.has_value()) {
    reason = report.ok ? "a report with ok=true must have error=null"
                       : "a report with ok=false must say why in \"error\"";
    return std::nullopt;
  }

  // Schema 1 had no status: up or down, as ok says.
  if (report.schema_version >= 2) {
    auto status_name = check.string("status", 16, false);
    if (!status_name) return std::nullopt;
    auto parsed = probeStatusFromName(*status_name);
    if (!parsed) {
      reason = "field \"status\" must be up, degraded or down";
      return std::nullopt;
    }
    if (report.ok != (*parsed != ProbeStatus::Down)) {
      reason =
          "field \"status\" is " + *status_name + " but ok is " + (report.ok ? "true" : "false");
      return std::nullopt;
    }
    report.degraded = *parsed == ProbeStatus::Degraded;
  }

  auto producer_id = check.string("producer_id", 256, false);
  if (!producer_id) return std::nullopt;
  report.producer_id = std::move(*producer_id);
  if (!readBodyCheck(json, report, reason)) return std::nullopt;
  if (!readCertificate(json, report, reason)) return std::nullopt;
  if (auto it = json.find("dns_cached"); it != json.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      reason = "field \"dns_cached\" must be null or a boolean";
      return std::nullopt;
    }
    report.dns_cached = it->get<bool>();
  }
  if (!readDnsAnswers(json, report, reason)) return std::nullopt;
  if (!readAttempts(json, report, reason)) return std::nullopt;
  return report;
}

}  // namespace

std::string encodeAttempts(const std::vector<Attempt>& attempts) {
  return attemptsToJson(attempts).dump();
}

std::optional<AttemptStats> attemptStats(const std::vector<Attempt>& attempts) {
  if (attempts.empty()) return std::nullopt;
  std::vector<double> ms;
  ms.reserve(attempts.size());
  for (const auto& attempt : attempts) ms.push_back(attempt.ms);
  std::sort(ms.begin(), ms.end());
  const std::size_t middle = ms.size() / 2;
  const double median = ms.size() % 2 == 1 ? ms[middle] : (ms[middle - 1] + ms[middle]) / 2.0;
  return AttemptStats{ms.front(), median, ms.back()};
}

std::string_view errorKindName(ErrorKind kind) {
  return kErrorKindNames.at(static_cast<std::size_t>(kind));
}

std::string_view probeStatusName(ProbeStatus status) {
  return kProbeStatusNames.at(static_cast<std::size_t>(status));
}

std::optional<ProbeStatus> probeStatusFromName(std::string_view name) {
  for (std::size_t i = 0; i < kProbeStatusNames.size(); ++i) {
    if (kProbeStatusNames[i] == name) return static_cast<ProbeStatus>(i);
  }
  return std::nullopt;
}

std::optional<ErrorKind> errorKindFromName(std::string_view name) {
  for (std::size_t i = 0; i < kErrorKindNames.size(); ++i) {
    if (kErrorKindNames[i] == name) return static_cast<ErrorKind>(i);
  }
  return std::nullopt;
}

std::string encodeReport(const ProbeReport& report) {
  nlohmann::json json = {
      {"schema_version", report.schema_version},
      {"id", report.id},
      {"type", report.type},
      {"url", report.url},
      {"name", report.name},
      {"checked_at", formatRfc3339(report.checked_at)},
      {"ok", report.ok},
      {"status", probeStatusName(report.status())},
      {"http_status", report.http_status ? nlohmann::json(*report.http_status) : nullptr},
      {"response_time_ms", roundToMicroseconds(report.response_time_ms)},
      {"error", report.error ? nlohmann::json{{"kind", errorKindName(report.error->kind)},
                                              {"message", report.error->message}}
                             : nlohmann::json(nullptr)},
      {"producer_id", report.producer_id},
  };
  // The optional parts are left out rather than written as null: every buffered report is
  // held in memory while Kafka is down, and nulls for what a probe did not have would double
  // its size (the bench's Kafka-down scenario measured 503 against 1,201 bytes per report).
  nlohmann::json timings = nlohmann::json::object();
  auto phase = [&](const char* key, const std::optional<double>& ms) {
    if (ms) timings[key] = roundToMicroseconds(*ms);
  };
  phase("dns_ms", report.timings.dns_ms);
  phase("connect_ms", report.timings.connect_ms);
  phase("tls_ms", report.timings.tls_ms);
  phase("ttfb_ms", report.timings.ttfb_ms);
  if (!timings.empty()) json["timings"] = std::move(timings);
  if (report.dns_cached) json["dns_cached"] = *report.dns_cached;
  if (report.regexp) json["regexp"] = *report.regexp;
  if (report.regexp_found) json["regexp_found"] = *report.regexp_found;
  if (report.body_truncated) json["body_truncated"] = *report.body_truncated;
  if (report.cert_expires_at) json["cert_expires_at"] = formatRfc3339(*report.cert_expires_at);
  if (report.cert_days_left) json["cert_days_left"] = *report.cert_days_left;
  if (report.dns_record) json["dns_record"] = *report.dns_record;
  if (report.dns_answers) json["dns_answers"] = *report.dns_answers;
  if (auto stats = attemptStats(report.attempts)) {
    json["attempts"] = attemptsToJson(report.attempts);
    json["attempt_ms"] = {{"min", roundToMicroseconds(stats->min_ms)},
                          {"median", roundToMicroseconds(stats->median_ms)},
                          {"max", roundToMicroseconds(stats->max_ms)}};
  }
  // replace: a URL or libcurl message with stray bytes must not abort the encoding.
  std::string text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // dump() grows the string geometrically, leaving up to twice the room it needs; a report
  // waits in the producer's queue while Kafka is down and should cost what it holds.
  text.shrink_to_fit();
  return text;
}

DecodedReport decodeReport(std::string_view bytes) {
  DecodedReport result;
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::exception& error) {
    // parse_error for bad syntax, but also out_of_range for numbers like 1e999: any of them
    // is a message that is not a report (the fuzzer found the second kind).
    std::string message = error.what();
    if (auto colon = message.find("] "); colon != std::string::npos) {
      message = message.substr(colon + 2);
    }
    // nlohmann quotes the offending bytes, which may be invalid UTF-8 themselves.
    result.rejection_reason = "not valid JSON: " + escapeInvalidUtf8(message);
    return result;
  }
  result.report = readReport(json, result.rejection_reason);
  return result;
}

std::string newReportId() {
  // Seeded with 256 bits: one 32-bit seed would give only 2^32 possible id sequences, and two
  // producer runs that drew the same seed would reuse each other's ids.
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(),
                       device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  // UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits.
  // Ids that grow with time land on the right-most pages of the primary-key index instead of
  // random ones: the bench measured inserts into a table of a million rows a third faster.
  const auto now_ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  std::array<unsigned char, 16> bytes;
  for (std::size_t i = 0; i < 6; ++i) {
    bytes[i] = static_cast<unsigned char>(now_ms >> (8 * (5 - i)));
  }
  for (std::size_t i = 6; i < bytes.size(); i += 5) {
    const auto value = generator();
    for (std::size_t j = 0; j < 5 && i + j < bytes.size(); ++j) {
      bytes[i + j] = static_cast<unsigned char>(value >> (8 * j));
    }
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x70);  // version 7
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 9562 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0x0f];
  }
  return text;
}

bool isUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::string formatRfc3339(SystemTime time) {
  const auto since_epoch = time.time_since_epoch().count();
  auto seconds = static_cast<std::time_t>(since_epoch / 1000);
  auto millis = since_epoch % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

std::optional<SystemTime> parseRfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  const auto year = text.substr(0, 4), month = text.substr(5, 2), day = text.substr(8, 2),
             hour = text.substr(11, 2), minute = text.substr(14, 2), second = text.substr(17, 2);
  for (auto part : {year, month, day, hour, minute, second}) {
    if (!isDigits(part)) return std::nullopt;
  }
  std::size_t pos = 19;
  long long millis = 0;
  if (text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    const auto fraction = text.substr(start, pos - start);
    if (fraction.empty()) return std::nullopt;
    for (std::size_t i = 0; i < 3; ++i)
      millis = millis * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  if (pos >= text.size()) return std::nullopt;
  long long offset_seconds = 0;
  const auto zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset_seconds = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             isDigits(zone.substr(1, 2)) && isDigits(zone.substr(4, 2))) {
    offset_seconds = toInt(zone.substr(1, 2)) * 3600LL + toInt(zone.substr(4, 2)) * 60LL;
    if (zone[0] == '-') offset_seconds = -offset_seconds;
  } else {
    return std::nullopt;
  }
  std::tm parts{};
  parts.tm_year = toInt(year) - 1900;
  parts.tm_mon = toInt(month) - 1;
  parts.tm_mday = toInt(day);
  parts.tm_hour = toInt(hour);
  parts.tm_min = toInt(minute);
  parts.tm_sec = toInt(second);
  if (parts.tm_mon > 11 || parts.tm_mday < 1 || parts.tm_mday > 31 || parts.tm_hour > 23 ||
      parts.tm_min > 59 || parts.tm_sec > 60 || parts.tm_year < 70) {
    return std::nullopt;
  }
  const std::time_t seconds = timegm(&parts);
  if (parts.tm_mday != toInt(day)) return std::nullopt;  // timegm normalised Feb 30 and friends
  return SystemTime(std::chrono::milliseconds((seconds - offset_seconds) * 1000LL + millis));
}

}  // namespace webmon::common
