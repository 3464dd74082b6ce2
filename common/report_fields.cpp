// The report's field table and each field's rules. About 500 lines on purpose: every field of
// the wire format, with its bounds and its columns, is here and nowhere else.

#include "common/report_fields.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "common/json_field.h"

namespace webmon::common {
namespace {

using nlohmann::json;
using namespace json_field;

constexpr std::size_t kMaxTextLength = 4096;

// Microsecond resolution is plenty and keeps the text short.
double roundToMicroseconds(double ms) { return std::round(ms * 1000.0) / 1000.0; }

// A text[] in PostgreSQL's array syntax: every element quoted, with " and \ escaped (COPY's
// own escaping of the whole field comes on top, in the writer's stream).
std::string arrayLiteral(const std::vector<std::string>& items) {
  std::string text = "{";
  for (const auto& item : items) {
    if (text.size() > 1) text += ',';
    text += '"';
    for (const char c : item) {
      if (c == '"' || c == '\\') text += '\\';
      text += c;
    }
    text += '"';
  }
  return text + "}";
}

json attemptsToJson(const std::vector<Attempt>& attempts) {
  json list = json::array();
  for (const auto& attempt : attempts) {
    json item = {{"at", formatRfc3339(attempt.at)},
                 {"ms", roundToMicroseconds(attempt.ms)},
                 {"ok", attempt.ok}};
    if (attempt.error_kind) item["error"] = errorKindName(*attempt.error_kind);
    list.push_back(std::move(item));
  }
  return list;
}

std::optional<Attempt> readAttempt(const json& item) {
  if (!item.is_object()) return std::nullopt;
  const json* at = present(item, "at");
  const json* ms = present(item, "ms");
  const json* ok = present(item, "ok");
  if (at == nullptr || !at->is_string() || ms == nullptr || !isNonNegativeNumber(*ms) ||
      ok == nullptr || !ok->is_boolean()) {
    return std::nullopt;
  }
  auto when = parseRfc3339(at->get_ref<const std::string&>());
  if (!when) return std::nullopt;
  Attempt attempt{*when, ms->get<double>(), ok->get<bool>(), std::nullopt};
  if (const json* error = present(item, "error")) {
    attempt.error_kind =
        error->is_string() ? errorKindFromName(error->get_ref<const std::string&>()) : std::nullopt;
    if (!attempt.error_kind) return std::nullopt;
  }
  return attempt;
}

// --- the fields ------------------------------------------------------------------------------

bool decodeSchemaVersion(const json& j, ProbeReport& r, std::string& reason) {
  const json* version = required(j, "schema_version", reason);
  if (version == nullptr) return false;
  if (!version->is_number_integer() || version->get<long long>() < 1) {
    return fail(reason, "field \"schema_version\" must be a positive integer");
  }
  if (version->get<long long>() > kReportSchemaVersion) {
    return fail(reason, "schema_version " + std::to_string(version->get<long long>()) +
                            " is newer than this consumer understands (" +
                            std::to_string(kReportSchemaVersion) +
                            "); upgrade webmon-consumer and replay the rejected rows");
  }
  r.schema_version = static_cast<int>(version->get<long long>());
  return true;
}

bool decodeId(const json& j, ProbeReport& r, std::string& reason) {
  auto id = requiredText(j, "id", 64, false, reason);
  if (!id) return false;
  if (!isUuid(*id)) return fail(reason, "field \"id\" must be a UUID");
  // Canonical lower case, as PostgreSQL prints uuids, so ids compare as text too.
  for (auto& c : *id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  r.id = std::move(*id);
  return true;
}

bool decodeType(const json& j, ProbeReport& r, std::string& reason) {
  const json* type = present(j, "type");
  if (type == nullptr) return true;  // absent before probe types existed: http
  if (!type->is_string() || !kProbeTypes.parse(type->get_ref<const std::string&>())) {
    return fail(reason, "field \"type\" must be " + kProbeTypes.choices());
  }
  r.type = type->get<std::string>();
  return true;
}

bool decodeUrl(const json& j, ProbeReport& r, std::string& reason) {
  auto url = requiredText(j, "url", kMaxUrlLength, false, reason);
  if (!url) return false;
  r.url = std::move(*url);
  return true;
}

bool decodeName(const json& j, ProbeReport& r, std::string& reason) {
  const json* name = present(j, "name");
  if (name == nullptr) {  // defaults to the URL, as in the config
    r.name = r.url;
    return true;
  }
  // The URL's limit: a name defaults to the URL (the fuzzer found the mismatch).
  if (!name->is_string() || name->get_ref<const std::string&>().size() > kMaxUrlLength) {
    return fail(reason, "field \"name\" must be a string of at most " +
                            std::to_string(kMaxUrlLength) + " bytes");
  }
  if (name->get_ref<const std::string&>().find('\0') != std::string::npos) {
    return fail(reason, "field \"name\" contains a NUL character");
  }
  r.name = name->get<std::string>();
  return true;
}

bool decodeCheckedAt(const json& j, ProbeReport& r, std::string& reason) {
  auto text = requiredText(j, "checked_at", 64, false, reason);
  if (!text) return false;
  auto when = parseRfc3339(*text);
  if (!when) return fail(reason, "field \"checked_at\" must be an RFC 3339 timestamp");
  r.checked_at = *when;
  return true;
}

bool decodeOk(const json& j, ProbeReport& r, std::string& reason) {
  const json* ok = required(j, "ok", reason);
  if (ok == nullptr) return false;
  if (!ok->is_boolean()) return fail(reason, "field \"ok\" must be true or false");
  r.ok = ok->get<bool>();
  return true;
}

bool decodeHttpStatus(const json& j, ProbeReport& r, std::string& reason) {
  auto it = j.find("http_status");  // always written, null when no response came
  if (it == j.end()) return fail(reason, "missing field \"http_status\"");
  if (it->is_null()) return true;
  if (!it->is_number_integer() || it->get<long long>() < 100 || it->get<long long>() > 999) {
    return fail(reason, "field \"http_status\" must be null or an integer from 100 to 999");
  }
  r.http_status = static_cast<int>(it->get<long long>());
  return true;
}

bool decodeResponseTime(const json& j, ProbeReport& r, std::string& reason) {
  const json* elapsed = required(j, "response_time_ms", reason);
  if (elapsed == nullptr) return false;
  if (!isNonNegativeNumber(*elapsed)) {
    return fail(reason, "field \"response_time_ms\" must be a number >= 0");
  }
  r.response_time_ms = elapsed->get<double>();
  return true;
}

constexpr std::pair<const char*, std::optional<double> PhaseTimings::*> kPhases[] = {
    {"dns_ms", &PhaseTimings::dns_ms},
    {"connect_ms", &PhaseTimings::connect_ms},
    {"tls_ms", &PhaseTimings::tls_ms},
    {"ttfb_ms", &PhaseTimings::ttfb_ms}};

// "timings" (schema 2): an object of phase durations, each null or a number >= 0.
bool decodeTimings(const json& j, ProbeReport& r, std::string& reason) {
  const json* timings = present(j, "timings");
  if (timings == nullptr) return true;
  if (!timings->is_object()) {
    return fail(reason, "field \"timings\" must be null or an object of phase durations");
  }
  for (const auto& [key, member] : kPhases) {
    const json* phase = present(*timings, key);
    if (phase == nullptr) continue;
    if (!isNonNegativeNumber(*phase)) {
      return fail(reason, std::string("timings.") + key + " must be null or a number >= 0");
    }
    r.timings.*member = phase->get<double>();
  }
  return true;
}

void encodeTimings(const ProbeReport& r, json& j) {
  json timings = json::object();
  for (const auto& [key, member] : kPhases) {
    if (const auto& ms = r.timings.*member) timings[key] = roundToMicroseconds(*ms);
  }
  if (!timings.empty()) j["timings"] = std::move(timings);
}

// "error": null exactly when ok is true (read after "ok"), else {kind, message}.
bool decodeError(const json& j, ProbeReport& r, std::string& reason) {
  auto it = j.find("error");
  if (it == j.end()) return fail(reason, "missing field \"error\"");
  if (!it->is_null()) {
    if (!it->is_object()) {
      return fail(reason, "field \"error\" must be null or an object {kind, message}");
    }
    auto kind_name = requiredText(*it, "kind", 32, false, reason);
    if (!kind_name) return fail(reason, "in \"error\": " + reason);
    auto kind = errorKindFromName(*kind_name);
    if (!kind) return fail(reason, "error.kind \"" + *kind_name + "\" is not a known kind");
    auto message = requiredText(*it, "message", kMaxTextLength, true, reason);
    if (!message) return fail(reason, "in \"error\": " + reason);
    r.error = ProbeError{*kind, std::move(*message)};
  }
  if (r.ok == r.error.has_value()) {
    return fail(reason, r.ok ? "a report with ok=true must have error=null"
                             : "a report with ok=false must say why in \"error\"");
  }
  return true;
}

// "status" (schema 2; read after "ok"): up, degraded or down, and down exactly when not ok.
// Schema 1 had none: up or down, as ok says.
bool decodeStatus(const json& j, ProbeReport& r, std::string& reason) {
  if (r.schema_version < 2) return true;
  auto name = requiredText(j, "status", 16, false, reason);
  if (!name) return false;
  auto status = probeStatusFromName(*name);
  if (!status) return fail(reason, "field \"status\" must be up, degraded or down");
  if (r.ok != (*status != ProbeStatus::Down)) {
    return fail(reason, "field \"status\" is " + *name + " but ok is " + (r.ok ? "true" : "false"));
  }
  r.degraded = *status == ProbeStatus::Degraded;
  return true;
}

bool decodeProducerId(const json& j, ProbeReport& r, std::string& reason) {
  auto id = requiredText(j, "producer_id", 256, false, reason);
  if (!id) return false;
  r.producer_id = std::move(*id);
  return true;
}

bool decodeRegion(const json& j, ProbeReport& r, std::string& reason) {
  return optionalText(j, "region", 64, r.region, reason);
}

bool decodeSource(const json& j, ProbeReport& r, std::string& reason) {
  return optionalText(j, "source", 300, r.source, reason);
}

bool decodeRegexp(const json& j, ProbeReport& r, std::string& reason) {
  const json* regexp = present(j, "regexp");
  if (regexp == nullptr) return true;
  if (!regexp->is_string() || regexp->get_ref<const std::string&>().size() > kMaxTextLength ||
      regexp->get_ref<const std::string&>().find('\0') != std::string::npos) {
    return fail(reason,
                "field \"regexp\" must be null or a string of at most 4096 bytes without NUL");
  }
  r.regexp = regexp->get<std::string>();
  return true;
}

bool decodeCertExpiresAt(const json& j, ProbeReport& r, std::string& reason) {
  const json* value = present(j, "cert_expires_at");
  if (value == nullptr) return true;
  std::optional<SystemTime> when;
  if (value->is_string() && value->get_ref<const std::string&>().size() <= 64) {
    when = parseRfc3339(value->get_ref<const std::string&>());
  }
  if (!when) return fail(reason, "field \"cert_expires_at\" must be null or an RFC 3339 timestamp");
  r.cert_expires_at = *when;
  return true;
}

bool decodeCertDaysLeft(const json& j, ProbeReport& r, std::string& reason) {
  const json* value = present(j, "cert_days_left");
  if (value == nullptr) return true;
  if (!value->is_number_integer() || value->get<long long>() < -1'000'000 ||
      value->get<long long>() > 1'000'000) {
    return fail(reason, "field \"cert_days_left\" must be null or a whole number of days");
  }
  r.cert_days_left = static_cast<int>(value->get<long long>());
  return true;
}

// "dns_record" and "dns_answers" (schema 3, dns probes): both or neither.
bool decodeDns(const json& j, ProbeReport& r, std::string& reason) {
  const json* record = present(j, "dns_record");
  const json* answers = present(j, "dns_answers");
  if (record == nullptr && answers == nullptr) return true;
  if (record == nullptr || answers == nullptr) {
    return fail(reason, "fields \"dns_record\" and \"dns_answers\" come together");
  }
  if (!record->is_string() || !kDnsRecords.parse(record->get_ref<const std::string&>())) {
    return fail(reason, "field \"dns_record\" must be " + kDnsRecords.choices());
  }
  if (!answers->is_array() || answers->size() > kMaxDnsAnswers) {
    return fail(reason, "field \"dns_answers\" must be an array of at most " +
                            std::to_string(kMaxDnsAnswers) + " strings");
  }
  std::vector<std::string> texts;
  for (const auto& answer : *answers) {
    if (!answer.is_string() || answer.get_ref<const std::string&>().size() > kMaxTextLength ||
        answer.get_ref<const std::string&>().find('\0') != std::string::npos) {
      return fail(reason, "field \"dns_answers\" must hold strings of at most " +
                              std::to_string(kMaxTextLength) + " bytes without NUL");
    }
    texts.push_back(answer.get<std::string>());
  }
  r.dns_record = record->get<std::string>();
  r.dns_answers = std::move(texts);
  return true;
}

// "attempts" (schema 3): [{at, ms, ok, error?}, ...]. "attempt_ms" is derived from it and not
// read back.
bool decodeAttempts(const json& j, ProbeReport& r, std::string& reason) {
  const json* list = present(j, "attempts");
  if (list == nullptr) return true;
  const std::string rule =
      "field \"attempts\" must be an array of at most " + std::to_string(kMaxAttempts) +
      " objects {at: RFC 3339, ms: number >= 0, ok: boolean, error: a known kind (optional)}";
  if (!list->is_array() || list->size() > kMaxAttempts) return fail(reason, rule);
  for (const auto& item : *list) {
    auto attempt = readAttempt(item);
    if (!attempt) return fail(reason, rule);
    r.attempts.push_back(*attempt);
  }
  return true;
}

void encodeAttemptsField(const ProbeReport& r, json& j) {
  const auto stats = attemptStats(r.attempts);
  if (!stats) return;
  j["attempts"] = attemptsToJson(r.attempts);
  j["attempt_ms"] = {{"min", roundToMicroseconds(stats->min_ms)},
                     {"median", roundToMicroseconds(stats->median_ms)},
                     {"max", roundToMicroseconds(stats->max_ms)}};
}

void storeAttempts(const ProbeReport& r, CopyRow& row) {
  const auto stats = attemptStats(r.attempts);
  if (!stats) {
    for (int i = 0; i < 5; ++i) row.null();
    return;
  }
  row.text(std::string_view(attemptsToJson(r.attempts).dump()));
  row.integer(
      std::count_if(r.attempts.begin(), r.attempts.end(), [](const Attempt& a) { return !a.ok; }));
  // Rounded as the report carries them, so the stored values are those on the wire.
  row.number(roundToMicroseconds(stats->min_ms));
  row.number(roundToMicroseconds(stats->median_ms));
  row.number(roundToMicroseconds(stats->max_ms));
}

constexpr std::string_view kText = "text";
constexpr std::string_view kBoolean = "boolean";
constexpr std::string_view kDouble = "double precision";
constexpr std::string_view kTime = "timestamp with time zone";

// Shorthands for a table row of one column, and for optional booleans.
constexpr std::array<ReportColumn, 5> one(std::string_view name, std::string_view type) {
  return {ReportColumn{name, type}};
}

// A JSON key as a template argument, so the functions of an optional boolean's row can be
// plain functions (a table row holds function pointers, not closures).
template <std::size_t N>
struct Key {
  constexpr Key(const char (&text)[N]) { std::copy_n(text, N, chars); }  // NOLINT: implicit
  char chars[N];
};

template <Key key, std::optional<bool> ProbeReport::*member>
constexpr ReportField optionalBooleanField() {
  return {key.chars,
          one(key.chars, kBoolean),
          1,
          [](const ProbeReport& r, json& j) {
            if (r.*member) j[key.chars] = *(r.*member);
          },
          [](const json& j, ProbeReport& r, std::string& reason) {
            return optionalBoolean(j, key.chars, r.*member, reason);
          },
          [](const ProbeReport& r, CopyRow& row) { row.optional(r.*member); }};
}

constexpr ReportField kFields[] = {
    {"schema_version", one("schema_version", "smallint"), 1,
     [](const ProbeReport& r, json& j) { j["schema_version"] = r.schema_version; },
     decodeSchemaVersion,
     [](const ProbeReport& r, CopyRow& row) { row.integer(r.schema_version); }},
    {"id", one("id", "uuid"), 1, [](const ProbeReport& r, json& j) { j["id"] = r.id; }, decodeId,
     [](const ProbeReport& r, CopyRow& row) { row.text(r.id); }},
    {"type", one("probe_type", kText), 1, [](const ProbeReport& r, json& j) { j["type"] = r.type; },
     decodeType, [](const ProbeReport& r, CopyRow& row) { row.text(r.type); }},
    {"url", one("url", kText), 1, [](const ProbeReport& r, json& j) { j["url"] = r.url; },
     decodeUrl, [](const ProbeReport& r, CopyRow& row) { row.text(r.url); }},
    {"name", one("name", kText), 1, [](const ProbeReport& r, json& j) { j["name"] = r.name; },
     decodeName, [](const ProbeReport& r, CopyRow& row) { row.text(r.name); }},
    {"checked_at", one("checked_at", kTime), 1,
     [](const ProbeReport& r, json& j) { j["checked_at"] = formatRfc3339(r.checked_at); },
     decodeCheckedAt, [](const ProbeReport& r, CopyRow& row) { row.time(r.checked_at); }},
    {"ok", one("ok", kBoolean), 1, [](const ProbeReport& r, json& j) { j["ok"] = r.ok; }, decodeOk,
     [](const ProbeReport& r, CopyRow& row) { row.boolean(r.ok); }},
    {"http_status", one("http_status", "smallint"), 1,
     [](const ProbeReport& r, json& j) {
       j["http_status"] = r.http_status ? json(*r.http_status) : json(nullptr);
     },
     decodeHttpStatus, [](const ProbeReport& r, CopyRow& row) { row.optional(r.http_status); }},
    {"response_time_ms", one("response_time_ms", kDouble), 1,
     [](const ProbeReport& r, json& j) {
       j["response_time_ms"] = roundToMicroseconds(r.response_time_ms);
     },
     decodeResponseTime,
     [](const ProbeReport& r, CopyRow& row) { row.number(r.response_time_ms); }},
    {"timings",
     {ReportColumn{"dns_ms", kDouble}, ReportColumn{"connect_ms", kDouble},
      ReportColumn{"tls_ms", kDouble}, ReportColumn{"ttfb_ms", kDouble}},
     4,
     encodeTimings,
     decodeTimings,
     [](const ProbeReport& r, CopyRow& row) {
       for (const auto& [key, member] : kPhases) row.optional(r.timings.*member);
     }},
    {"error",
     {ReportColumn{"error_kind", kText}, ReportColumn{"error_message", kText}},
     2,
     [](const ProbeReport& r, json& j) {
       j["error"] =
           r.error ? json{{"kind", errorKindName(r.error->kind)}, {"message", r.error->message}}
                   : json(nullptr);
     },
     decodeError,
     [](const ProbeReport& r, CopyRow& row) {
       if (!r.error) {
         row.null();
         row.null();
         return;
       }
       row.text(errorKindName(r.error->kind));
       row.text(r.error->message);
     }},
    {"status", one("status", kText), 1,
     [](const ProbeReport& r, json& j) { j["status"] = probeStatusName(r.status()); }, decodeStatus,
     [](const ProbeReport& r, CopyRow& row) { row.text(probeStatusName(r.status())); }},
    {"producer_id", one("producer_id", kText), 1,
     [](const ProbeReport& r, json& j) { j["producer_id"] = r.producer_id; }, decodeProducerId,
     [](const ProbeReport& r, CopyRow& row) { row.text(r.producer_id); }},
    {"region", one("region", kText), 1,
     [](const ProbeReport& r, json& j) {
       if (r.region) j["region"] = *r.region;
     },
     decodeRegion, [](const ProbeReport& r, CopyRow& row) { row.optional(r.region); }},
    {"source", one("source", kText), 1,
     [](const ProbeReport& r, json& j) {
       if (r.source) j["source"] = *r.source;
     },
     decodeSource, [](const ProbeReport& r, CopyRow& row) { row.optional(r.source); }},
    {"regexp", one("regexp", kText), 1,
     [](const ProbeReport& r, json& j) {
       if (r.regexp) j["regexp"] = *r.regexp;
     },
     decodeRegexp, [](const ProbeReport& r, CopyRow& row) { row.optional(r.regexp); }},
    optionalBooleanField<"regexp_found", &ProbeReport::regexp_found>(),
    optionalBooleanField<"body_truncated", &ProbeReport::body_truncated>(),
    {"cert_expires_at", one("cert_expires_at", kTime), 1,
     [](const ProbeReport& r, json& j) {
       if (r.cert_expires_at) j["cert_expires_at"] = formatRfc3339(*r.cert_expires_at);
     },
     decodeCertExpiresAt,
     [](const ProbeReport& r, CopyRow& row) { row.optional(r.cert_expires_at); }},
    {"cert_days_left", one("cert_days_left", "integer"), 1,
     [](const ProbeReport& r, json& j) {
       if (r.cert_days_left) j["cert_days_left"] = *r.cert_days_left;
     },
     decodeCertDaysLeft,
     [](const ProbeReport& r, CopyRow& row) { row.optional(r.cert_days_left); }},
    {"dns_record, dns_answers",
     {ReportColumn{"dns_record", kText}, ReportColumn{"dns_answers", "ARRAY"}},
     2,
     [](const ProbeReport& r, json& j) {
       if (r.dns_record) j["dns_record"] = *r.dns_record;
       if (r.dns_answers) j["dns_answers"] = *r.dns_answers;
     },
     decodeDns,
     [](const ProbeReport& r, CopyRow& row) {
       row.optional(r.dns_record);
       if (r.dns_answers) {
         row.text(std::string_view(arrayLiteral(*r.dns_answers)));
       } else {
         row.null();
       }
     }},
    {"attempts",
     {ReportColumn{"attempts", "jsonb"}, ReportColumn{"attempts_failed", "integer"},
      ReportColumn{"attempt_min_ms", kDouble}, ReportColumn{"attempt_median_ms", kDouble},
      ReportColumn{"attempt_max_ms", kDouble}},
     5,
     encodeAttemptsField,
     decodeAttempts,
     storeAttempts},
    optionalBooleanField<"dns_cached", &ProbeReport::dns_cached>(),
};

constexpr std::size_t countColumns() {
  std::size_t count = 0;
  for (const auto& field : kFields) count += field.column_count;
  return count;
}

}  // namespace

std::span<const ReportField> reportFields() {
  static_assert(countColumns() == kReportColumns, "kReportColumns must count the table's columns");
  return kFields;
}

std::array<std::string_view, kReportColumns> reportColumnNames() {
  std::array<std::string_view, kReportColumns> names;
  std::size_t next = 0;
  for (const auto& field : kFields) {
    for (std::size_t i = 0; i < field.column_count; ++i) names[next++] = field.columns[i].name;
  }
  return names;
}

}  // namespace webmon::common
