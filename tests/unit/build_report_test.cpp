#include <curl/curl.h>
#include <gtest/gtest.h>

#include "producer/dns_prober.h"
#include "producer/report_builder.h"

namespace webmon::producer {
namespace {

using common::ErrorKind;

common::ProbeReport judge(CURLcode code, long status) {
  ProbeResult result;
  result.curl_code = code;
  result.http_status = status;
  result.total_ms = 12.0;
  result.error_detail = code == CURLE_OK ? "" : curl_easy_strerror(code);
  common::MonitoredUrl url;
  url.url = "http://127.0.0.1/";
  url.name = "local";
  return buildReport(result, url, "p1");
}

TEST(BuildReport, SuccessfulAndRedirectStatusesAreUp) {
  for (long status : {200L, 204L, 301L, 399L}) {
    const auto report = judge(CURLE_OK, status);
    EXPECT_TRUE(report.ok) << status;
    EXPECT_FALSE(report.error) << status;
    EXPECT_EQ(report.http_status, static_cast<int>(status));
  }
}

TEST(BuildReport, ErrorStatusesAreDownWithKindHttp) {
  for (long status : {100L, 404L, 500L, 503L}) {
    const auto report = judge(CURLE_OK, status);
    EXPECT_FALSE(report.ok) << status;
    ASSERT_TRUE(report.error);
    EXPECT_EQ(report.error->kind, ErrorKind::Http);
    EXPECT_EQ(report.error->message,
              "HTTP status " + std::to_string(status) + ", expected 200-399");
  }
}

TEST(BuildReport, TransportFailuresGetTheirKindAndNoStatus) {
  const std::vector<std::pair<CURLcode, ErrorKind>> cases = {
      {CURLE_OPERATION_TIMEDOUT, ErrorKind::ConnectTimeout},  // judge() reached no phase
      {CURLE_COULDNT_RESOLVE_HOST, ErrorKind::Dns},
      {CURLE_COULDNT_CONNECT, ErrorKind::Connect},
      {CURLE_PEER_FAILED_VERIFICATION, ErrorKind::Tls},
      {CURLE_SSL_CONNECT_ERROR, ErrorKind::Tls},
      {CURLE_GOT_NOTHING, ErrorKind::Protocol},
      {CURLE_RECV_ERROR, ErrorKind::Protocol},
      {CURLE_TOO_MANY_REDIRECTS, ErrorKind::TooManyRedirects},
      {CURLE_OUT_OF_MEMORY, ErrorKind::Other},
  };
  for (const auto& [code, kind] : cases) {
    const auto report = judge(code, 0);
    EXPECT_FALSE(report.ok);
    ASSERT_TRUE(report.error);
    EXPECT_EQ(report.error->kind, kind) << curl_easy_strerror(code);
    EXPECT_FALSE(report.error->message.empty());
    EXPECT_FALSE(report.http_status);
  }
}

TEST(BuildReport, CarriesIdentityAndTiming) {
  const auto report = judge(CURLE_OK, 200);
  EXPECT_TRUE(common::isUuid(report.id));
  EXPECT_EQ(report.url, "http://127.0.0.1/");
  EXPECT_EQ(report.name, "local");
  EXPECT_EQ(report.producer_id, "p1");
  EXPECT_DOUBLE_EQ(report.response_time_ms, 12.0);
  EXPECT_NE(judge(CURLE_OK, 200).id, report.id);
  EXPECT_FALSE(report.region);  // a producer without producer.region says none
}

TEST(BuildReport, CarriesTheProducersRegion) {
  ProbeResult result;
  result.http_status = 200;
  common::MonitoredUrl url;
  url.url = "http://127.0.0.1/";
  EXPECT_EQ(buildReport(result, url, "p1", "eu-west").region, "eu-west");
}

TEST(BuildReport, ASuccessSlowerThanDegradedAfterIsDegradedButUp) {
  ProbeResult result;
  result.curl_code = CURLE_OK;
  result.http_status = 200;
  common::MonitoredUrl url;
  url.url = "http://127.0.0.1/";
  url.degraded_after = std::chrono::milliseconds(100);
  result.total_ms = 100.0;
  EXPECT_EQ(buildReport(result, url, "p1").status(), common::ProbeStatus::Up);  // not slower
  result.total_ms = 100.5;
  const auto slow = buildReport(result, url, "p1");
  EXPECT_TRUE(slow.ok);
  EXPECT_EQ(slow.status(), common::ProbeStatus::Degraded);
  result.http_status = 500;  // slow and failing is down, not degraded
  EXPECT_EQ(buildReport(result, url, "p1").status(), common::ProbeStatus::Down);
  url.degraded_after = std::chrono::milliseconds(0);  // off
  result.http_status = 200;
  result.total_ms = 9000;
  EXPECT_EQ(buildReport(result, url, "p1").status(), common::ProbeStatus::Up);
}

TEST(BuildReport, PhaseTimingsAreEachPhasesOwnDuration) {
  ProbeResult https;
  https.dns_done_ms = 2;
  https.connect_done_ms = 5;
  https.tls_done_ms = 17;
  https.first_byte_ms = 30;
  const auto timings = phaseTimings(https);
  EXPECT_EQ(timings.dns_ms, 2.0);
  EXPECT_EQ(timings.connect_ms, 3.0);
  EXPECT_EQ(timings.tls_ms, 12.0);
  EXPECT_EQ(timings.ttfb_ms, 30.0);  // from the start

  ProbeResult refused;  // the lookup happened, the connect never completed
  refused.dns_done_ms = 1.5;
  const auto partial = phaseTimings(refused);
  EXPECT_EQ(partial.dns_ms, 1.5);
  EXPECT_FALSE(partial.connect_ms);
  EXPECT_FALSE(partial.tls_ms);
  EXPECT_FALSE(partial.ttfb_ms);

  ProbeResult plain_http;  // no TLS phase
  plain_http.dns_done_ms = 0.1;
  plain_http.connect_done_ms = 0.3;
  plain_http.first_byte_ms = 1.0;
  EXPECT_FALSE(phaseTimings(plain_http).tls_ms);
}

TEST(BuildReport, ExpectedStatusListsAndRangesReplaceTheDefault) {
  ProbeResult result;
  result.curl_code = CURLE_OK;
  common::MonitoredUrl url;
  url.url = "http://127.0.0.1/";
  url.expected_status = {{200, 200}, {401, 403}};
  for (long status : {200L, 401L, 403L}) {
    result.http_status = status;
    EXPECT_TRUE(buildReport(result, url, "p").ok) << status;
  }
  for (long status : {204L, 302L, 404L}) {
    result.http_status = status;
    const auto report = buildReport(result, url, "p");
    EXPECT_FALSE(report.ok) << status;
    EXPECT_EQ(report.error->message,
              "HTTP status " + std::to_string(status) + ", expected 200, 401-403");
  }
}

TEST(BuildReport, RegexpDecidesAfterTheStatusAndSaysWhatWasRead) {
  ProbeResult result;
  result.curl_code = CURLE_OK;
  result.http_status = 200;
  result.body = "<html>Version 4.2 ready</html>";
  common::MonitoredUrl url;
  url.url = "http://127.0.0.1/";
  url.regexp = std::get<common::Regexp>(common::Regexp::compile(R"(Version \d+\.\d+ ready)"));
  const auto found = buildReport(result, url, "p");
  EXPECT_TRUE(found.ok);
  EXPECT_EQ(found.regexp, R"(Version \d+\.\d+ ready)");
  EXPECT_EQ(found.regexp_found, true);
  EXPECT_EQ(found.body_truncated, false);

  result.body = "<html>Maintenance</html>";
  result.body_truncated = true;
  const auto missing = buildReport(result, url, "p");
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.error->kind, ErrorKind::Regexp);
  EXPECT_EQ(missing.error->message,
            "regexp not found in the first 24 bytes of the body (the rest was not read)");

  result.http_status = 503;  // a failing status is judged first: the body is not checked
  const auto failed = buildReport(result, url, "p");
  EXPECT_EQ(failed.error->kind, ErrorKind::Http);
  EXPECT_FALSE(failed.regexp_found);
  EXPECT_EQ(failed.regexp, R"(Version \d+\.\d+ ready)");
}

TEST(BuildReport, CertificateDaysLeftAreWholeDaysAfterTheProbeRoundedDown) {
  ProbeResult result;
  result.curl_code = CURLE_OK;
  result.http_status = 200;
  result.started_wall = *common::parseRfc3339("2026-11-25T12:00:00Z");
  common::MonitoredUrl url;
  url.url = "https://127.0.0.1/";
  EXPECT_FALSE(buildReport(result, url, "p").cert_days_left);  // none seen: none reported
  result.cert_expires_at = *common::parseRfc3339("2026-12-09T11:59:59Z");
  EXPECT_EQ(buildReport(result, url, "p").cert_days_left, 13);  // 13 days 23:59:59
  result.cert_expires_at = *common::parseRfc3339("2026-11-25T13:00:00Z");
  EXPECT_EQ(buildReport(result, url, "p").cert_days_left, 0);  // within a day
  result.cert_expires_at = *common::parseRfc3339("2026-11-24T12:00:00Z");
  EXPECT_EQ(buildReport(result, url, "p").cert_days_left, -1);  // expired yesterday
}

TEST(BuildReport, ACertificateAboutToExpireDegradesOrFailsAsConfigured) {
  ProbeResult result;
  result.curl_code = CURLE_OK;
  result.started_wall = *common::parseRfc3339("2026-11-25T12:00:00Z");
  result.cert_expires_at = *common::parseRfc3339("2026-12-05T12:00:00Z");  // 10 days
  common::MonitoredUrl url;
  url.type = common::ProbeType::Tls;
  url.url = "tls://127.0.0.1:443";
  EXPECT_EQ(buildReport(result, url, "p").status(), common::ProbeStatus::Up);  // no minimum
  url.min_cert_days = 10;
  EXPECT_EQ(buildReport(result, url, "p").status(), common::ProbeStatus::Up);  // 10 is enough
  url.min_cert_days = 14;
  const auto degraded = buildReport(result, url, "p");
  EXPECT_EQ(degraded.status(), common::ProbeStatus::Degraded);
  EXPECT_EQ(degraded.type, "tls");
  url.expiring_cert_is_down = true;
  const auto down = buildReport(result, url, "p");
  EXPECT_EQ(down.status(), common::ProbeStatus::Down);
  EXPECT_EQ(down.error->kind, ErrorKind::Tls);
  EXPECT_EQ(down.error->message, "certificate expires in 10 days (min_cert_days 14)");
}

TEST(BuildReport, ATimeoutBeforeTheConnectIsAConnectTimeout) {
  ProbeResult result;
  result.curl_code = CURLE_OPERATION_TIMEDOUT;
  result.error_detail = "Connection timed out after 1000 milliseconds";
  result.dns_done_ms = 0.05;  // the lookup finished, the connect never did
  common::MonitoredUrl url;
  url.url = "http://127.0.0.1/";
  EXPECT_EQ(buildReport(result, url, "p").error->kind, ErrorKind::ConnectTimeout);
  result.connect_done_ms = 0.2;  // connected; the server then said nothing in time
  EXPECT_EQ(buildReport(result, url, "p").error->kind, ErrorKind::Timeout);
}

common::ProbeReport judgeLookup(DnsOutcome outcome, std::vector<std::string> answers,
                                const std::string& expect = "") {
  ProbeResult result;
  result.dns_outcome = outcome;
  result.dns_answers = std::move(answers);
  result.total_ms = 3.0;
  result.dns_done_ms = 3.0;
  result.error_detail = outcome == DnsOutcome::Answered ? "" : "Domain name not found";
  common::MonitoredUrl url;
  url.type = common::ProbeType::Dns;
  url.url = "dns://up.test";
  url.name = url.url;
  url.dns_record = common::DnsRecord::A;
  url.dns_expect = expect;
  return buildReport(result, url, "p1");
}

TEST(BuildReport, ADnsLookupIsUpWhenItAnswersAndTheExpectedValueIsAmongTheAnswers) {
  const auto any = judgeLookup(DnsOutcome::Answered, {"127.0.0.9"});
  EXPECT_TRUE(any.ok);
  EXPECT_EQ(any.type, "dns");
  EXPECT_EQ(any.dns_record, "A");
  EXPECT_EQ(any.dns_answers, std::vector<std::string>{"127.0.0.9"});
  EXPECT_EQ(any.timings.dns_ms, 3.0);
  EXPECT_FALSE(any.http_status);
  EXPECT_TRUE(judgeLookup(DnsOutcome::Answered, {"127.0.0.8", "127.0.0.9"}, "127.0.0.9").ok);
  const auto wrong = judgeLookup(DnsOutcome::Answered, {"127.0.0.8"}, "127.0.0.9");
  EXPECT_FALSE(wrong.ok);
  ASSERT_TRUE(wrong.error);
  EXPECT_EQ(wrong.error->kind, ErrorKind::DnsAnswer);
  EXPECT_EQ(wrong.error->message, "expected 127.0.0.9 among the A answers, got 127.0.0.8");
}

TEST(BuildReport, AFailedLookupIsDnsAndANoAnswerInTimeIsATimeout) {
  for (auto outcome : {DnsOutcome::NoSuchName, DnsOutcome::NoData, DnsOutcome::ServerFailure,
                       DnsOutcome::Refused, DnsOutcome::Failed}) {
    const auto report = judgeLookup(outcome, {});
    EXPECT_FALSE(report.ok);
    ASSERT_TRUE(report.error);
    EXPECT_EQ(report.error->kind, ErrorKind::Dns);
    EXPECT_EQ(report.dns_answers, std::vector<std::string>{});
  }
  EXPECT_EQ(judgeLookup(DnsOutcome::TimedOut, {}).error->kind, ErrorKind::Timeout);
}

TEST(DnsAnswersContain, ComparesAddressesAsAddressesAndNamesWithoutCase) {
  using common::DnsRecord;
  EXPECT_TRUE(dnsAnswersContain(DnsRecord::AAAA, {"::1"}, "0:0::1"));
  EXPECT_FALSE(dnsAnswersContain(DnsRecord::AAAA, {"::1"}, "::2"));
  EXPECT_FALSE(dnsAnswersContain(DnsRecord::A, {"127.0.0.1"}, "not an address"));
  EXPECT_TRUE(dnsAnswersContain(DnsRecord::CNAME, {"Target.Example.test"}, "target.example.test."));
  EXPECT_TRUE(dnsAnswersContain(DnsRecord::MX, {"10 MAIL.example.test"}, "10 mail.example.test"));
  EXPECT_FALSE(dnsAnswersContain(DnsRecord::MX, {"10 mail.example.test"}, "20 mail.example.test"));
  EXPECT_TRUE(dnsAnswersContain(DnsRecord::TXT, {"v=spf1 -all"}, "v=spf1 -all"));
  EXPECT_FALSE(dnsAnswersContain(DnsRecord::TXT, {"v=spf1 -all"}, "V=SPF1 -ALL"));
}

// One attempt of a run: `ok` gives HTTP 200, otherwise a refused connect.
ProbeResult attemptResult(int attempt, bool ok, double ms, common::SystemTime at) {
  ProbeResult result;
  result.attempt = attempt;
  result.started_wall = at;
  result.total_ms = ms;
  result.curl_code = ok ? CURLE_OK : CURLE_COULDNT_CONNECT;
  result.http_status = ok ? 200 : 0;
  result.error_detail = ok ? "" : "Connection refused";
  return result;
}

common::MonitoredUrl threeAttempts() {
  common::MonitoredUrl url;
  url.url = "http://127.0.0.1/";
  url.name = url.url;
  url.attempts = 3;
  return url;
}

TEST(BuildRunReport, DownOnlyWhenEveryAttemptFailedDegradedWhenSomeDid) {
  const common::SystemTime t0{std::chrono::milliseconds(1'764'000'000'000)};
  const auto t1 = t0 + std::chrono::seconds(1), t2 = t0 + std::chrono::seconds(2);
  const auto url = threeAttempts();
  const auto all_up =
      buildRunReport({attemptResult(1, true, 30, t0), attemptResult(2, true, 10, t1),
                      attemptResult(3, true, 20, t2)},
                     url, "p");
  EXPECT_EQ(all_up.status(), common::ProbeStatus::Up);
  EXPECT_EQ(all_up.checked_at, t0);
  EXPECT_EQ(all_up.response_time_ms, 20);  // the last successful attempt's
  ASSERT_EQ(all_up.attempts.size(), 3u);
  EXPECT_EQ(all_up.attempts[1], (common::Attempt{t1, 10, true, std::nullopt}));
  const auto stats = common::attemptStats(all_up.attempts);
  EXPECT_EQ(stats->min_ms, 10);
  EXPECT_EQ(stats->median_ms, 20);
  EXPECT_EQ(stats->max_ms, 30);

  const auto flaky = buildRunReport({attemptResult(1, true, 30, t0), attemptResult(2, false, 1, t1),
                                     attemptResult(3, false, 2, t2)},
                                    url, "p");
  EXPECT_EQ(flaky.status(), common::ProbeStatus::Degraded);
  EXPECT_FALSE(flaky.error);  // ok: the failures are in `attempts`
  EXPECT_EQ(flaky.http_status, 200);
  EXPECT_EQ(flaky.attempts[2].error_kind, ErrorKind::Connect);

  const auto down = buildRunReport({attemptResult(1, false, 1, t0), attemptResult(2, false, 2, t1),
                                    attemptResult(3, false, 4, t2)},
                                   url, "p", "us-east");
  EXPECT_EQ(down.region, "us-east");
  EXPECT_EQ(down.status(), common::ProbeStatus::Down);
  ASSERT_TRUE(down.error);
  EXPECT_EQ(down.error->kind, ErrorKind::Connect);
  EXPECT_EQ(down.response_time_ms, 4);  // the last attempt's
  EXPECT_EQ(down.checked_at, t0);
}

TEST(AttemptStats, MedianOfAnEvenCountIsTheMeanOfTheMiddleTwo) {
  const common::SystemTime t{};
  EXPECT_FALSE(common::attemptStats({}));
  const auto stats = common::attemptStats(
      {{t, 40, true, {}}, {t, 10, true, {}}, {t, 30, false, {}}, {t, 20, true, {}}});
  EXPECT_EQ(stats->min_ms, 10);
  EXPECT_EQ(stats->median_ms, 25);
  EXPECT_EQ(stats->max_ms, 40);
}

}  // namespace
}  // namespace webmon::producer
