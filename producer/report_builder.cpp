#include "producer/report_builder.h"

#include <curl/curl.h>

#include "producer/dns_prober.h"

namespace webmon::producer {

common::PhaseTimings phaseTimings(const ProbeResult& result) {
  // libcurl's times are cumulative from the start and 0 for a phase not reached; turn them
  // into each phase's own duration.
  common::PhaseTimings timings;
  if (result.dns_done_ms > 0) timings.dns_ms = result.dns_done_ms;
  if (result.connect_done_ms > 0) {
    timings.connect_ms = result.connect_done_ms - result.dns_done_ms;
  }
  if (result.tls_done_ms > 0 && result.connect_done_ms > 0) {
    timings.tls_ms = result.tls_done_ms - result.connect_done_ms;
  }
  if (result.first_byte_ms > 0) timings.ttfb_ms = result.first_byte_ms;
  return timings;
}

namespace {

// A success that took longer than the URL's degraded_after_ms (when set) is "degraded".
bool slowerThanDegradedAfter(const ProbeResult& result, const common::MonitoredUrl& url) {
  return url.degraded_after.count() > 0 &&
         result.total_ms > static_cast<double>(url.degraded_after.count());
}

std::string describeExpected(const std::vector<common::StatusRange>& expected) {
  if (expected.empty()) return "200-399";
  std::string text;
  for (const auto& range : expected) {
    if (!text.empty()) text += ", ";
    text += std::to_string(range.first);
    if (range.last != range.first) text += "-" + std::to_string(range.last);
  }
  return text;
}

// A response arrived: is its status expected, does its body say what it should, was it fast?
void judgeResponse(const ProbeResult& result, const common::MonitoredUrl& url,
                   common::ProbeReport& report) {
  using common::ErrorKind;
  const bool status_ok = url.expected_status.empty()
                             ? result.http_status >= 200 && result.http_status < 400
                             : std::any_of(url.expected_status.begin(), url.expected_status.end(),
                                           [&](const common::StatusRange& r) {
                                             return r.contains(result.http_status);
                                           });
  if (!status_ok) {
    report.error = common::ProbeError{
        ErrorKind::Http, "HTTP status " + std::to_string(result.http_status) + ", expected " +
                             describeExpected(url.expected_status)};
    return;
  }
  if (url.regexp) {
    report.body_truncated = result.body_truncated;
    report.regexp_found = url.regexp->search(result.body);
    if (!*report.regexp_found) {
      report.error = common::ProbeError{
          ErrorKind::Regexp, "regexp not found in the first " + std::to_string(result.body.size()) +
                                 " bytes of the body" +
                                 (result.body_truncated ? " (the rest was not read)" : "")};
      return;
    }
  }
  report.ok = true;
  report.degraded = slowerThanDegradedAfter(result, url);
}

// tcp and tls probes with a `regexp`: did what the server sent back contain it? False (with
// the error set) when it did not.
bool judgeReply(const ProbeResult& result, const common::MonitoredUrl& url,
                common::ProbeReport& report) {
  if (!url.regexp) return true;
  report.body_truncated = result.body_truncated;
  report.regexp_found = url.regexp->search(result.body);
  if (*report.regexp_found) return true;
  report.error = common::ProbeError{
      common::ErrorKind::Regexp,
      "regexp not found in the " + std::to_string(result.body.size()) + " bytes the server sent" +
          (result.body_truncated ? " before max_body_bytes" : " before it closed")};
  return false;
}

// min_cert_days: a certificate about to expire makes an otherwise good probe degraded, or
// down when the URL says so.
void judgeCertificate(const common::MonitoredUrl& url, common::ProbeReport& report) {
  if (!report.ok || url.min_cert_days <= 0 || !report.cert_days_left ||
      *report.cert_days_left >= url.min_cert_days) {
    return;
  }
  if (url.expiring_cert_is_down) {
    report.ok = false;
    report.degraded = false;
    report.error =
        common::ProbeError{common::ErrorKind::Tls,
                           "certificate expires in " + std::to_string(*report.cert_days_left) +
                               " days (min_cert_days " + std::to_string(url.min_cert_days) + ")"};
  } else {
    report.degraded = true;
  }
}

// A dns probe: did the lookup answer, and with the expected value?
void judgeLookup(const ProbeResult& result, const common::MonitoredUrl& url,
                 common::ProbeReport& report) {
  using common::ErrorKind;
  report.dns_record = std::string(common::dnsRecordName(url.dns_record));
  report.dns_answers = result.dns_answers;
  switch (result.dns_outcome) {
    case DnsOutcome::Answered:
      break;
    case DnsOutcome::TimedOut:
      report.error = common::ProbeError{ErrorKind::Timeout, result.error_detail};
      return;
    default:
      report.error = common::ProbeError{ErrorKind::Dns, result.error_detail};
      return;
  }
  if (!url.dns_expect.empty() &&
      !dnsAnswersContain(url.dns_record, result.dns_answers, url.dns_expect)) {
    std::string got;
    for (const auto& answer : result.dns_answers) got += (got.empty() ? "" : ", ") + answer;
    report.error = common::ProbeError{ErrorKind::DnsAnswer,
                                      "expected " + url.dns_expect + " among the " +
                                          std::string(common::dnsRecordName(url.dns_record)) +
                                          " answers, got " + got};
    return;
  }
  report.ok = true;
  report.degraded = slowerThanDegradedAfter(result, url);
}

}  // namespace

common::ProbeReport buildReport(const ProbeResult& result, const common::MonitoredUrl& url,
                                const std::string& producer_id, const std::string& region) {
  using common::ErrorKind;
  common::ProbeReport report;
  report.id = common::newReportId();
  report.type = std::string(common::probeTypeName(url.type));
  report.url = url.url;
  report.name = url.name;
  report.checked_at = result.started_wall;
  report.response_time_ms = result.total_ms;
  report.producer_id = producer_id;
  if (!region.empty()) report.region = region;
  report.source = url.source;
  if (result.http_status > 0) report.http_status = static_cast<int>(result.http_status);
  report.timings = phaseTimings(result);
  report.dns_cached = result.dns_cached;
  if (result.cert_expires_at) {
    report.cert_expires_at = result.cert_expires_at;
    // Whole days, rounded down: 0 means it expires within a day.
    report.cert_days_left = static_cast<int>(
        std::chrono::floor<std::chrono::days>(*result.cert_expires_at - result.started_wall)
            .count());
  }

  if (url.type == common::ProbeType::Dns) {
    judgeLookup(result, url, report);
    return report;
  }
  if (url.regexp) report.regexp = url.regexp->pattern();
  const auto code = static_cast<CURLcode>(result.curl_code);
  if (code == CURLE_OK) {
    if (url.type == common::ProbeType::Http) {
      judgeResponse(result, url, report);
    } else if (judgeReply(result, url, report)) {
      report.ok = true;  // connected (tls: and the handshake verified), and the reply matched
      report.degraded = slowerThanDegradedAfter(result, url);
    }
    judgeCertificate(url, report);
    return report;
  }
  ErrorKind kind = ErrorKind::Other;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      // Which phase ran out of time says where to look: no TCP connection at all is a
      // network or host problem; later, it is the server (or TLS) being slow.
      kind = result.connect_done_ms > 0 ? ErrorKind::Timeout : ErrorKind::ConnectTimeout;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      kind = ErrorKind::Dns;
      break;
    case CURLE_COULDNT_CONNECT:
      kind = ErrorKind::Connect;
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
      kind = ErrorKind::Tls;
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      kind = ErrorKind::TooManyRedirects;
      break;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_UNSUPPORTED_PROTOCOL:
      kind = ErrorKind::Protocol;
      break;
    default:
      break;
  }
  report.ok = false;
  report.error = common::ProbeError{kind, result.error_detail};
  // A tcp/tls exchange that ran out of time waiting for its regexp did read a reply.
  if (url.type != common::ProbeType::Http && url.regexp && kind == ErrorKind::Timeout) {
    report.regexp_found = false;
    report.body_truncated = false;
  }
  return report;
}

common::ProbeReport buildRunReport(const std::vector<ProbeResult>& attempts,
                                   const common::MonitoredUrl& url, const std::string& producer_id,
                                   const std::string& region) {
  std::vector<common::ProbeReport> judged;
  judged.reserve(attempts.size());
  for (const auto& attempt : attempts)
    judged.push_back(buildReport(attempt, url, producer_id, region));
  std::vector<common::Attempt> summary;
  bool all_up = true;
  std::size_t chosen = judged.size() - 1;
  for (std::size_t i = 0; i < judged.size(); ++i) {
    const auto& attempt = judged[i];
    all_up = all_up && attempt.ok && !attempt.degraded;
    summary.push_back(
        common::Attempt{attempt.checked_at, attempt.response_time_ms, attempt.ok,
                        attempt.error ? std::optional(attempt.error->kind) : std::nullopt});
    if (attempt.ok) chosen = i;
  }
  common::ProbeReport report = std::move(judged[chosen]);
  report.checked_at = attempts.front().started_wall;
  report.attempts = std::move(summary);
  if (report.ok && !all_up) report.degraded = true;
  return report;
}

}  // namespace webmon::producer
