#include "common/probe_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/utf8.h"

namespace webmon::common {
namespace {

using ::testing::HasSubstr;

ProbeReport sampleReport() {
  ProbeReport report;
  report.id = "0b7e1f4c-4a51-4c8e-9d0b-2f5a6c7d8e9f";
  report.url = "https://example.test/health";
  report.name = "example";
  report.checked_at = *parseRfc3339("2026-11-24T10:00:00.123Z");
  report.ok = false;
  report.http_status = 503;
  report.response_time_ms = 12.5;
  report.timings.dns_ms = 0.25;
  report.timings.connect_ms = 0.5;
  report.timings.ttfb_ms = 11.75;
  report.error = ProbeError{ErrorKind::Http, "HTTP status 503"};
  report.producer_id = "host-a";
  return report;
}

TEST(ProbeReport, EncodesTheDocumentedFields) {
  const auto json = nlohmann::json::parse(encodeReport(sampleReport()));
  EXPECT_EQ(json["schema_version"], 3);
  EXPECT_EQ(json["id"], "0b7e1f4c-4a51-4c8e-9d0b-2f5a6c7d8e9f");
  EXPECT_EQ(json["checked_at"], "2026-11-24T10:00:00.123Z");
  EXPECT_EQ(json["ok"], false);
  EXPECT_EQ(json["http_status"], 503);
  EXPECT_EQ(json["response_time_ms"], 12.5);
  EXPECT_EQ(json["error"]["kind"], "http");
  EXPECT_EQ(json["error"]["message"], "HTTP status 503");
  EXPECT_EQ(json["producer_id"], "host-a");
  EXPECT_EQ(json["status"], "down");
  EXPECT_EQ(json["timings"]["dns_ms"], 0.25);
  EXPECT_EQ(json["timings"]["connect_ms"], 0.5);
  EXPECT_FALSE(json["timings"].contains("tls_ms"));  // not reached: left out
  EXPECT_EQ(json["timings"]["ttfb_ms"], 11.75);
  EXPECT_EQ(json["type"], "http");
  // Optional parts a probe did not have are left out, not written as null.
  for (const char* absent :
       {"regexp", "regexp_found", "body_truncated", "cert_expires_at", "cert_days_left"}) {
    EXPECT_FALSE(json.contains(absent)) << absent;
  }
  EXPECT_EQ(json.size(), 13u);
}

TEST(ProbeReport, StatusIsUpDegradedOrDownAndRoundTrips) {
  auto report = sampleReport();
  EXPECT_EQ(report.status(), ProbeStatus::Down);
  report.ok = true;
  report.error.reset();
  report.degraded = true;
  EXPECT_EQ(report.status(), ProbeStatus::Degraded);
  const auto decoded = decodeReport(encodeReport(report));
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  EXPECT_TRUE(decoded.report->degraded);
  EXPECT_EQ(decoded.report->status(), ProbeStatus::Degraded);
  EXPECT_EQ(decoded.report->timings, report.timings);
}

TEST(ProbeReport, BodyCheckFieldsRoundTripAndNullMeansAbsent) {
  auto report = sampleReport();
  auto plain = nlohmann::json::parse(encodeReport(report));
  plain["regexp"] = nullptr;  // a writer that sends null instead of leaving it out is fine
  plain["regexp_found"] = nullptr;
  const auto with_nulls = decodeReport(plain.dump());
  ASSERT_TRUE(with_nulls.report) << with_nulls.rejection_reason;
  EXPECT_FALSE(with_nulls.report->regexp);
  report.regexp = "ready";
  report.regexp_found = false;
  report.body_truncated = true;
  report.error = ProbeError{ErrorKind::Regexp, "regexp not found"};
  report.http_status = 200;
  const auto decoded = decodeReport(encodeReport(report));
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  EXPECT_EQ(decoded.report->regexp, "ready");
  EXPECT_EQ(decoded.report->regexp_found, false);
  EXPECT_EQ(decoded.report->body_truncated, true);
  EXPECT_EQ(decoded.report->error->kind, ErrorKind::Regexp);
}

TEST(ProbeReport, CertificateExpiryRoundTrips) {
  auto report = sampleReport();
  report.cert_expires_at = *parseRfc3339("2026-12-09T10:00:00Z");
  report.cert_days_left = 14;
  const auto json = nlohmann::json::parse(encodeReport(report));
  EXPECT_EQ(json["cert_expires_at"], "2026-12-09T10:00:00.000Z");
  EXPECT_EQ(json["cert_days_left"], 14);
  const auto decoded = decodeReport(json.dump());
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  EXPECT_EQ(decoded.report->cert_expires_at, report.cert_expires_at);
  EXPECT_EQ(decoded.report->cert_days_left, 14);
}

// Whether the producer had the host's addresses cached: true, false, or absent (an address
// in the URL, dns probes, older producers).
TEST(ProbeReport, DnsCachedRoundTripsAndIsAbsentWhenUnknown) {
  for (const bool cached : {true, false}) {
    auto report = sampleReport();
    report.dns_cached = cached;
    const auto json = nlohmann::json::parse(encodeReport(report));
    EXPECT_EQ(json["dns_cached"], cached);
    const auto decoded = decodeReport(json.dump());
    ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
    EXPECT_EQ(decoded.report->dns_cached, cached);
  }
  const auto unknown = nlohmann::json::parse(encodeReport(sampleReport()));
  EXPECT_FALSE(unknown.contains("dns_cached"));
  EXPECT_FALSE(decodeReport(unknown.dump()).report->dns_cached);
}

// The producer's region: carried when it has one, absent (not null, not "") when it has none.
TEST(ProbeReport, RegionRoundTripsAndIsAbsentWithoutOne) {
  auto report = sampleReport();
  report.region = "eu-west";
  const auto json = nlohmann::json::parse(encodeReport(report));
  EXPECT_EQ(json["region"], "eu-west");
  const auto decoded = decodeReport(json.dump());
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  EXPECT_EQ(decoded.report->region, "eu-west");
  const auto none = nlohmann::json::parse(encodeReport(sampleReport()));
  EXPECT_FALSE(none.contains("region"));
  EXPECT_FALSE(decodeReport(none.dump()).report->region);
  auto null_region = none;
  null_region["region"] = nullptr;
  const auto from_null = decodeReport(null_region.dump());
  ASSERT_TRUE(from_null.report) << from_null.rejection_reason;
  EXPECT_FALSE(from_null.report->region);
}

TEST(ProbeReport, TypeRoundTripsAndDefaultsToHttp) {
  auto report = sampleReport();
  report.type = "tls";
  const auto decoded = decodeReport(encodeReport(report));
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  EXPECT_EQ(decoded.report->type, "tls");
  auto json = nlohmann::json::parse(encodeReport(sampleReport()));
  json.erase("type");
  EXPECT_EQ(decodeReport(json.dump()).report->type, "http");
}

TEST(ProbeReport, DnsRecordAndAnswersRoundTrip) {
  auto report = sampleReport();
  report.type = "dns";
  report.dns_record = "MX";
  report.dns_answers = std::vector<std::string>{"10 mail.example.test", "20 \"backup\""};
  const auto json = nlohmann::json::parse(encodeReport(report));
  EXPECT_EQ(json["dns_record"], "MX");
  EXPECT_EQ(json["dns_answers"].size(), 2u);
  const auto decoded = decodeReport(json.dump());
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  EXPECT_EQ(decoded.report->type, "dns");
  EXPECT_EQ(decoded.report->dns_record, "MX");
  EXPECT_EQ(decoded.report->dns_answers, report.dns_answers);
  // Other probe types leave both out.
  const auto http = nlohmann::json::parse(encodeReport(sampleReport()));
  EXPECT_FALSE(http.contains("dns_record"));
  EXPECT_FALSE(http.contains("dns_answers"));
}

TEST(ProbeReport, AttemptsRoundTripWithTheirMinMedianMax) {
  auto report = sampleReport();
  const auto t0 = *parseRfc3339("2026-11-25T10:00:00.000Z");
  report.attempts = {{t0, 12.5, true, std::nullopt},
                     {t0 + std::chrono::seconds(2), 3.25, false, ErrorKind::Timeout},
                     {t0 + std::chrono::seconds(4), 7, true, std::nullopt}};
  const auto json = nlohmann::json::parse(encodeReport(report));
  ASSERT_EQ(json["attempts"].size(), 3u);
  EXPECT_EQ(json["attempts"][1]["at"], "2026-11-25T10:00:02.000Z");
  EXPECT_EQ(json["attempts"][1]["error"], "timeout");
  EXPECT_FALSE(json["attempts"][0].contains("error"));
  EXPECT_EQ(json["attempt_ms"]["min"], 3.25);
  EXPECT_EQ(json["attempt_ms"]["median"], 7);
  EXPECT_EQ(json["attempt_ms"]["max"], 12.5);
  const auto decoded = decodeReport(json.dump());
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  EXPECT_EQ(decoded.report->attempts, report.attempts);
  EXPECT_FALSE(nlohmann::json::parse(encodeReport(sampleReport())).contains("attempts"));
}

// Reports already on the topic when the producer was upgraded must still be stored.
TEST(ProbeReport, SchemaVersionOneIsStillAccepted) {
  auto json = nlohmann::json::parse(encodeReport(sampleReport()));
  json["schema_version"] = 1;
  json.erase("status");
  json.erase("timings");
  const auto decoded = decodeReport(json.dump());
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  EXPECT_EQ(decoded.report->schema_version, 1);
  EXPECT_EQ(decoded.report->status(), ProbeStatus::Down);
  EXPECT_EQ(decoded.report->timings, PhaseTimings{});
}

TEST(ProbeReport, RoundTripsThroughTheDecoder) {
  const auto original = sampleReport();
  const auto decoded = decodeReport(encodeReport(original));
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  const auto& r = *decoded.report;
  EXPECT_EQ(r.id, original.id);
  EXPECT_EQ(r.url, original.url);
  EXPECT_EQ(r.name, original.name);
  EXPECT_EQ(r.checked_at, original.checked_at);
  EXPECT_EQ(r.http_status, original.http_status);
  EXPECT_DOUBLE_EQ(r.response_time_ms, original.response_time_ms);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->kind, ErrorKind::Http);
}

TEST(ProbeReport, SuccessfulReportHasNullErrorAndStatus) {
  auto report = sampleReport();
  report.ok = true;
  report.error.reset();
  report.http_status = 200;
  const auto json = nlohmann::json::parse(encodeReport(report));
  EXPECT_TRUE(json["error"].is_null());
  EXPECT_TRUE(decodeReport(json.dump()).report);
}

TEST(ProbeReport, NameDefaultsToUrlWhenAbsent) {
  auto json = nlohmann::json::parse(encodeReport(sampleReport()));
  json.erase("name");
  const auto decoded = decodeReport(json.dump());
  ASSERT_TRUE(decoded.report);
  EXPECT_EQ(decoded.report->name, "https://example.test/health");
}

struct RejectCase {
  const char* what;
  std::function<void(nlohmann::json&)> mutate;
  const char* reason;
};

void PrintTo(const RejectCase& c, std::ostream* out) { *out << c.what; }

class ProbeReportRejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(ProbeReportRejects, WithAReasonAnOperatorCanAct) {
  auto json = nlohmann::json::parse(encodeReport(sampleReport()));
  GetParam().mutate(json);
  const auto decoded = decodeReport(json.dump());
  EXPECT_FALSE(decoded.report);
  EXPECT_THAT(decoded.rejection_reason, HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ProbeReportRejects,
    ::testing::Values(
        RejectCase{"missing id", [](auto& j) { j.erase("id"); }, "missing field \"id\""},
        RejectCase{"bad id", [](auto& j) { j["id"] = "not-a-uuid"; }, "must be a UUID"},
        RejectCase{"url type", [](auto& j) { j["url"] = 5; }, "\"url\" must be a string"},
        RejectCase{"empty url", [](auto& j) { j["url"] = ""; }, "\"url\" must not be empty"},
        RejectCase{"time", [](auto& j) { j["checked_at"] = "yesterday"; }, "RFC 3339"},
        RejectCase{"ok type", [](auto& j) { j["ok"] = "false"; }, "\"ok\" must be true or false"},
        RejectCase{"status", [](auto& j) { j["http_status"] = 42; }, "from 100 to 999"},
        RejectCase{"elapsed", [](auto& j) { j["response_time_ms"] = -1; }, "must be a number >= 0"},
        RejectCase{"kind", [](auto& j) { j["error"]["kind"] = "gremlins"; }, "not a known kind"},
        RejectCase{"error type", [](auto& j) { j["error"] = "oops"; }, "null or an object"},
        RejectCase{"ok+error", [](auto& j) { j["ok"] = true; }, "ok=true must have error=null"},
        RejectCase{"no why", [](auto& j) { j["error"] = nullptr; }, "must say why"},
        RejectCase{"future", [](auto& j) { j["schema_version"] = 99; }, "upgrade webmon-consumer"},
        RejectCase{"no status", [](auto& j) { j.erase("status"); }, "missing field \"status\""},
        RejectCase{"bad status", [](auto& j) { j["status"] = "meh"; }, "up, degraded or down"},
        RejectCase{"dns_cached", [](auto& j) { j["dns_cached"] = "yes"; },
                   "\"dns_cached\" must be null, true or false"},
        RejectCase{"region type", [](auto& j) { j["region"] = 7; },
                   "\"region\" must be null or a string of 1 to 64 bytes"},
        RejectCase{"region empty", [](auto& j) { j["region"] = ""; },
                   "\"region\" must be null or a string of 1 to 64 bytes"},
        RejectCase{"status vs ok", [](auto& j) { j["status"] = "up"; }, "is up but ok is false"},
        RejectCase{"timing", [](auto& j) { j["timings"]["dns_ms"] = -2; }, "timings.dns_ms"},
        RejectCase{"timings type", [](auto& j) { j["timings"] = 3; }, "phase durations"},
        RejectCase{"regexp type", [](auto& j) { j["regexp"] = 1; }, "\"regexp\" must be null or"},
        RejectCase{"found type", [](auto& j) { j["regexp_found"] = "yes"; },
                   "\"regexp_found\" must"},
        RejectCase{"cert time", [](auto& j) { j["cert_expires_at"] = "soon"; }, "cert_expires_at"},
        RejectCase{"cert days", [](auto& j) { j["cert_days_left"] = 1.5; }, "cert_days_left"},
        RejectCase{"type", [](auto& j) { j["type"] = "icmp"; }, "must be http, tcp, tls or dns"},
        RejectCase{
            "dns record",
            [](auto& j) { j["dns_record"] = "SRV", j["dns_answers"] = nlohmann::json::array(); },
            "\"dns_record\" must be A, AAAA"},
        RejectCase{"attempts",
                   [](auto& j) {
                     j["attempts"] = {{{"at", "x"}, {"ms", 1}}};
                   },
                   "\"attempts\" must be an array"},
        RejectCase{
            "attempt kind",
            [](auto& j) {
              j["attempts"] = {
                  {{"at", "2026-11-25T10:00:00Z"}, {"ms", 1}, {"ok", false}, {"error", "x"}}};
            },
            "\"attempts\" must be an array"},
        RejectCase{"dns alone", [](auto& j) { j["dns_record"] = "A"; }, "come together"},
        RejectCase{"dns answers", [](auto& j) { j["dns_record"] = "A", j["dns_answers"] = {1}; },
                   "\"dns_answers\" must hold strings"},
        RejectCase{"nul", [](auto& j) { j["url"] = std::string("a\0b", 3); }, "NUL"},
        RejectCase{"array", [](auto& j) { j = nlohmann::json::array({1}); }, "JSON object"}),
    [](const ::testing::TestParamInfo<RejectCase>& param_info) {
      std::string name = param_info.param.what;
      for (auto& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(ProbeReport, RejectsNonJsonAndInvalidUtf8) {
  EXPECT_THAT(decodeReport("hello").rejection_reason, HasSubstr("not valid JSON"));
  EXPECT_THAT(decodeReport("{\"url\": \"\xc3\x28\"}").rejection_reason,
              HasSubstr("not valid JSON"));
}

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(formatRfc3339(SystemTime(std::chrono::milliseconds(1'700'000'000'123))),
            "2023-11-14T22:13:20.123Z");
}

TEST(Rfc3339, ParsesOffsetsAndFractions) {
  EXPECT_EQ(parseRfc3339("2023-11-14T23:13:20.123456+01:00"),
            SystemTime(std::chrono::milliseconds(1'700'000'000'123)));
  EXPECT_EQ(parseRfc3339("2023-11-14T22:13:20Z"),
            SystemTime(std::chrono::milliseconds(1'700'000'000'000)));
  EXPECT_FALSE(parseRfc3339("2023-02-30T00:00:00Z"));
  EXPECT_FALSE(parseRfc3339("2023-11-14 22:13"));
  EXPECT_FALSE(parseRfc3339("2023-11-14T22:13:20"));
}

TEST(ReportId, IsAVersion7UuidAndUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) {
    const auto id = newReportId();
    ASSERT_TRUE(isUuid(id)) << id;
    EXPECT_EQ(id[14], '7') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(ReportId, StartsWithTheTimeInMillisecondsSoLaterIdsSortAfterEarlierOnes) {
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto first = newReportId();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  const auto second = newReportId();
  // The first 48 bits (12 hex digits around the first dash) are the creation time.
  const auto millis = std::stoll(first.substr(0, 8) + first.substr(9, 4), nullptr, 16);
  EXPECT_GE(millis, before);
  EXPECT_LT(millis, before + 1000);
  EXPECT_LT(first, second);
}

}  // namespace
}  // namespace webmon::common

namespace webmon::common {
namespace {

TEST(EscapeInvalidUtf8, KeepsValidTextAndEscapesStrayBytes) {
  EXPECT_EQ(escapeInvalidUtf8("plain ascii"), "plain ascii");
  EXPECT_EQ(escapeInvalidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(escapeInvalidUtf8("a\xff"
                              "b"),
            "a\\xffb");
  EXPECT_EQ(escapeInvalidUtf8("\xc3"), "\\xc3");                    // truncated sequence
  EXPECT_EQ(escapeInvalidUtf8("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(escapeInvalidUtf8("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // UTF-16 surrogate
  EXPECT_EQ(escapeInvalidUtf8(std::string("a\0b", 3)), "a\\x00b");
}

TEST(ProbeReport, RejectionReasonForBinaryGarbageIsValidUtf8) {
  const auto reason = decodeReport("\xff\xfe garbage").rejection_reason;
  EXPECT_EQ(escapeInvalidUtf8(reason), reason);
}

}  // namespace
}  // namespace webmon::common

namespace webmon::common {
namespace {

// Found by the report decoder fuzzer: nlohmann throws out_of_range, not parse_error, for a
// number too large for a double. It must be a rejection, not a crash of the consumer.
TEST(ProbeReport, RejectsNumbersTooLargeForADouble) {
  EXPECT_THAT(decodeReport("-9e429").rejection_reason, HasSubstr("number overflow"));
  auto json = nlohmann::json::parse(encodeReport(sampleReport())).dump();
  json.replace(json.find("12.5"), 4, "1e999");
  EXPECT_FALSE(decodeReport(json).report);
}

}  // namespace
}  // namespace webmon::common

namespace webmon::common {
namespace {

// Found by the report decoder fuzzer: a long URL and no name decoded fine, but the name that
// defaults to the URL then failed the name's shorter limit when encoded again.
TEST(ProbeReport, LongestUrlWithDefaultNameRoundTrips) {
  auto json = nlohmann::json::parse(encodeReport(sampleReport()));
  json["url"] = "http://h/" + std::string(kMaxUrlLength - 9, 'a');
  json.erase("name");
  const auto decoded = decodeReport(json.dump());
  ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
  EXPECT_TRUE(decodeReport(encodeReport(*decoded.report)).report);
  json["url"] = "http://h/" + std::string(kMaxUrlLength, 'a');
  EXPECT_FALSE(decodeReport(json.dump()).report);
}

}  // namespace
}  // namespace webmon::common
