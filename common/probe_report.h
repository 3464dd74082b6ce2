#pragma once
// The report wire format: one JSON object per probe, the only contract between producer and
// consumer. README.md ("Report format") documents every field; keep the two in step.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/probe_enums.h"

namespace webmon::common {

/// 2 added `status` (up/degraded/down) and `timings`; 3 added type dns with `dns_record` and
/// `dns_answers`, and `attempts` with `attempt_ms`. Reports of every older version are still read.
inline constexpr int kReportSchemaVersion = 3;
/// The longest url (and name) a report may carry, in bytes; the config enforces it too. Why
/// 2048: reports is indexed on (url, checked_at), and a B-tree entry must fit 2704 bytes after
/// compression; an incompressible URL of a few thousand bytes made PostgreSQL refuse the row
/// (SQLSTATE 54000). 2048 fits with room to spare, and is the limit browsers and sitemaps keep.
inline constexpr std::size_t kMaxUrlLength = 2048;
/// The most answers a dns report carries; the prober keeps the first ones.
inline constexpr std::size_t kMaxDnsAnswers = 64;

/// How long each phase of the probe took, in milliseconds; unset for phases the probe did not
/// reach (or that do not apply: no TLS for http://).
struct PhaseTimings {
  std::optional<double> dns_ms;      // name lookup
  std::optional<double> connect_ms;  // TCP connect, after the lookup
  std::optional<double> tls_ms;      // TLS handshake, after the connect
  std::optional<double> ttfb_ms;     // start of the probe to the first response byte
  bool operator==(const PhaseTimings&) const = default;
};

using SystemTime = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

/// One of the several attempts a URL with `attempts` > 1 makes in a period.
struct Attempt {
  SystemTime at;                        // when it started
  double ms = 0;                        // how long it took, to success or failure
  bool ok = false;                      // as a single-attempt probe would have judged it
  std::optional<ErrorKind> error_kind;  // why it failed
  bool operator==(const Attempt&) const = default;
};

/// The fastest, median and slowest attempt (the median of an even count is the mean of the
/// middle two).
struct AttemptStats {
  double min_ms = 0;
  double median_ms = 0;
  double max_ms = 0;
};
std::optional<AttemptStats> attemptStats(const std::vector<Attempt>& attempts);
/// The most attempts a report carries (the config allows 10).
inline constexpr std::size_t kMaxAttempts = 100;

struct ProbeError {
  ErrorKind kind;
  std::string message;
};

struct ProbeReport {
  std::string id;             // a UUID in canonical text form; the idempotency key end to end
  std::string type = "http";  // http, tcp, tls or dns
  std::string url;
  std::string name;
  SystemTime checked_at;  // when the probe started, UTC, millisecond precision
  bool ok = false;
  bool degraded = false;  // ok, but slower than the URL's degraded_after threshold
  ProbeStatus status() const {
    return !ok ? ProbeStatus::Down : degraded ? ProbeStatus::Degraded : ProbeStatus::Up;
  }
  std::optional<int> http_status;
  double response_time_ms = 0;  // start to finish (or to failure)
  PhaseTimings timings;
  // Host names resolved by the producer: true when the addresses came from its DNS cache
  // (within the answer's TTL; dns_ms is then next to nothing), false when this probe looked the
  // name up. Unset for an address in the URL and for dns probes.
  std::optional<bool> dns_cached;
  // The body check, for URLs with a `regexp`: the pattern, whether it was found (unset when
  // the probe failed before a body could be checked), and whether the body was longer than
  // the part read (max_body_bytes).
  std::optional<std::string> regexp;
  std::optional<bool> regexp_found;
  std::optional<bool> body_truncated;
  // https: when the server's certificate expires, and how many whole days that was after
  // checked_at (negative once expired). Unset for http and when no handshake completed.
  std::optional<SystemTime> cert_expires_at;
  std::optional<int> cert_days_left;
  // dns probes: the record type asked for and the answers, as text ("10 mail.example.com" for
  // MX); an empty list when the name had no such record. Unset for other types.
  std::optional<std::string> dns_record;
  std::optional<std::vector<std::string>> dns_answers;
  // URLs with `attempts` > 1: every attempt of the period, in order; the report's other fields
  // come from the last attempt that succeeded (or the last one). Empty otherwise.
  std::vector<Attempt> attempts;
  std::optional<ProbeError> error;
  std::string producer_id;
  std::optional<std::string> region;  // the producer's producer.region, when it has one
  // Where the producer found the URL: "config", "file:NAME" (targets_dir); unset in reports
  // of producers from before target files.
  std::optional<std::string> source;
  int schema_version = kReportSchemaVersion;
};

std::string encodeReport(const ProbeReport& report);

/// Either a valid report, or the reason the bytes are not one (for the rejected-reports table).
struct DecodedReport {
  std::optional<ProbeReport> report;
  std::string rejection_reason;  // empty when report is set
};
DecodedReport decodeReport(std::string_view bytes);

/// A fresh time-ordered (version 7) UUID: the current time in ms, then 74 random bits.
std::string newReportId();
bool isUuid(std::string_view text);

/// "2026-11-24T19:36:53.123Z"
std::string formatRfc3339(SystemTime time);
/// Accepts RFC 3339 with any fraction of a second and a Z or +hh:mm offset.
std::optional<SystemTime> parseRfc3339(std::string_view text);

}  // namespace webmon::common
