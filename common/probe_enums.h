#pragma once
// The enums a probe's config and report share, each with its stable names in ONE table: the
// config reads them, the report encodes and decodes them, PostgreSQL stores them (its CHECK
// constraints list the same names: tests/integration/report_fields_test.cpp compares) and
// operators query them. Add a value here, and a migration for the constraint.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace webmon::common {

/// The names of an enum's values, in declaration order.
template <typename Enum, std::size_t N>
class EnumNames {
 public:
  constexpr explicit EnumNames(std::array<std::string_view, N> names) : names_(names) {}

  constexpr std::string_view name(Enum value) const {
    return names_.at(static_cast<std::size_t>(value));
  }
  constexpr std::optional<Enum> parse(std::string_view text) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (names_[i] == text) return static_cast<Enum>(i);
    }
    return std::nullopt;
  }
  /// "http, tcp, tls or dns": for messages that say what is allowed.
  std::string choices() const {
    std::string text;
    for (std::size_t i = 0; i < N; ++i) {
      if (i > 0) text += i + 1 == N ? " or " : ", ";
      text += names_[i];
    }
    return text;
  }
  constexpr const std::array<std::string_view, N>& all() const noexcept { return names_; }
  static constexpr std::size_t size() noexcept { return N; }

 private:
  std::array<std::string_view, N> names_;
};

/// What a probe does: an HTTP request (the default), a TCP connect, a TLS handshake with
/// certificate and host name verification (tcp://host:port and tls://host:port), or a DNS
/// lookup (dns://name).
enum class ProbeType { Http, Tcp, Tls, Dns };
inline constexpr EnumNames<ProbeType, 4> kProbeTypes({"http", "tcp", "tls", "dns"});

/// The DNS record a dns probe asks for.
enum class DnsRecord { A, AAAA, CNAME, MX, TXT };
inline constexpr EnumNames<DnsRecord, 5> kDnsRecords({"A", "AAAA", "CNAME", "MX", "TXT"});

/// Why a probe failed.
enum class ErrorKind {
  Timeout,           // the whole probe ran past the URL's timeout
  Dns,               // the host name did not resolve
  Connect,           // TCP connection refused or unreachable
  Tls,               // TLS handshake or certificate verification failed
  Http,              // a response arrived, but its status was not one expected
  Protocol,          // the connection broke mid-response, or the reply was not valid HTTP
  Other,             // anything libcurl reports that fits none of the above
  Regexp,            // the response was fine, but the body did not contain the URL's `regexp`
  TooManyRedirects,  // more redirects than max_redirects (a loop, usually)
  ConnectTimeout,    // the timeout ran out before the TCP connection was accepted: nothing
                     // answered at all (host down, packets dropped), unlike a refused connect
  DnsAnswer,         // a dns probe got answers, but not the one its `expect` names
};
inline constexpr EnumNames<ErrorKind, 11> kErrorKinds({"timeout", "dns", "connect", "tls", "http",
                                                       "protocol", "other", "regexp",
                                                       "too_many_redirects", "connect_timeout",
                                                       "dns_answer"});

/// What a probe says about the target: up, up but slower than its degraded_after threshold
/// (or with some failed attempts), or down.
enum class ProbeStatus { Up, Degraded, Down };
inline constexpr EnumNames<ProbeStatus, 3> kProbeStatuses({"up", "degraded", "down"});

// Each table names every value, in order: a value added to an enum without its name fails here.
static_assert(kProbeTypes.size() == static_cast<std::size_t>(ProbeType::Dns) + 1);
static_assert(kDnsRecords.size() == static_cast<std::size_t>(DnsRecord::TXT) + 1);
static_assert(kErrorKinds.size() == static_cast<std::size_t>(ErrorKind::DnsAnswer) + 1);
static_assert(kProbeStatuses.size() == static_cast<std::size_t>(ProbeStatus::Down) + 1);

inline std::string_view probeTypeName(ProbeType type) { return kProbeTypes.name(type); }
inline std::string_view dnsRecordName(DnsRecord record) { return kDnsRecords.name(record); }
inline std::string_view errorKindName(ErrorKind kind) { return kErrorKinds.name(kind); }
inline std::optional<ErrorKind> errorKindFromName(std::string_view name) {
  return kErrorKinds.parse(name);
}
inline std::string_view probeStatusName(ProbeStatus status) { return kProbeStatuses.name(status); }
inline std::optional<ProbeStatus> probeStatusFromName(std::string_view name) {
  return kProbeStatuses.parse(name);
}

}  // namespace webmon::common
