#include "common/probe_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

#include "common/report_fields.h"
#include "common/utf8.h"

namespace webmon::common {
namespace {

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

}  // namespace

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

std::string encodeReport(const ProbeReport& report) {
  nlohmann::json json = nlohmann::json::object();
  // Optional fields the probe did not have are left out rather than written as null: every
  // buffered report is held in memory while Kafka is down, and nulls would double its size
  // (the bench's Kafka-down scenario measured 503 against 1,201 bytes per report).
  for (const auto& field : reportFields()) field.encode(report, json);
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
  if (!json.is_object()) {
    result.rejection_reason = "a report must be a JSON object";
    return result;
  }
  ProbeReport report;
  for (const auto& field : reportFields()) {
    if (!field.decode(json, report, result.rejection_reason)) return result;
  }
  result.report = std::move(report);
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
