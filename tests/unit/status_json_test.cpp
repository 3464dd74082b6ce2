// The /api/v1/status body is written by hand rather than through nlohmann::json (for speed at
// 10,000 URLs), so these check that what it writes is the JSON nlohmann would read back:
// every key present, absent values null, strings escaped, numbers exact.
#include "consumer/status/status_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace webmon::consumer::status {
namespace {

UrlOverview measured() {
  UrlOverview item;
  item.listed = {"https://shop.example/health?a=1&b=\"2\"", "Shop \\ \"main\"\n\t\x01 ünïcode",
                 "Web shop"};
  item.state.status = "degraded";
  item.state.since = "2026-12-01T08:00:00.000Z";
  item.state.checked_at = "2026-12-03T12:15:40.120Z";
  item.state.response_ms = 0.41;
  item.state.http_status = 500;
  item.state.error_kind = "http";
  item.uptime_24h = 99.98611111;
  item.uptime_30d = 100.0;
  return item;
}

TEST(StatusJson, WritesEveryFieldAsJsonReadsItBack) {
  const auto parsed = nlohmann::json::parse(statusJsonText({measured()}));
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.size(), 1u);
  const auto& url = parsed[0];
  EXPECT_EQ(url["url"], "https://shop.example/health?a=1&b=\"2\"");
  EXPECT_EQ(url["name"], "Shop \\ \"main\"\n\t\x01 ünïcode");
  EXPECT_EQ(url["group"], "Web shop");
  EXPECT_EQ(url["status"], "degraded");
  EXPECT_EQ(url["since"], "2026-12-01T08:00:00.000Z");
  EXPECT_EQ(url["checked_at"], "2026-12-03T12:15:40.120Z");
  EXPECT_EQ(url["response_ms"].get<double>(), 0.41);
  EXPECT_EQ(url["http_status"], 500);
  EXPECT_EQ(url["error_kind"], "http");
  EXPECT_EQ(url["uptime_24h"].get<double>(), 99.9861);
  EXPECT_EQ(url["uptime_30d"].get<double>(), 100.0);
  // The same members, in the order docs/openapi.yaml lists them.
  const auto in_order = nlohmann::ordered_json::parse(statusJsonText({measured()}));
  std::vector<std::string> keys;
  for (const auto& [key, value] : in_order[0].items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"url", "name", "group", "status", "since", "checked_at",
                                            "response_ms", "http_status", "error_kind",
                                            "uptime_24h", "uptime_30d"}));
}

TEST(StatusJson, AbsentValuesAreNullNotLeftOut) {
  UrlOverview never_probed;
  never_probed.listed = {"https://new.example/", "New", ""};
  never_probed.state.status = "unknown";
  const auto parsed = nlohmann::json::parse(statusJsonText({measured(), never_probed}));
  ASSERT_EQ(parsed.size(), 2u);
  const auto& url = parsed[1];
  ASSERT_EQ(url.size(), 11u);
  for (const char* key : {"group", "since", "checked_at", "response_ms", "http_status",
                          "error_kind", "uptime_24h", "uptime_30d"}) {
    EXPECT_TRUE(url[key].is_null()) << key;
  }
  EXPECT_EQ(url["status"], "unknown");
}

TEST(StatusJson, NoUrlsIsAnEmptyArrayAndNanIsNull) {
  EXPECT_EQ(statusJsonText({}), "[]");
  auto item = measured();
  item.state.response_ms = std::nan("");
  EXPECT_TRUE(nlohmann::json::parse(statusJsonText({item}))[0]["response_ms"].is_null());
}

TEST(StatusJson, EscapesEveryControlCharacter) {
  std::string all_controls;
  for (char c = 1; c < 0x20; ++c) all_controls += c;
  std::string out;
  appendJsonString(out, all_controls);
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), all_controls);
  for (const char c : out) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
}

}  // namespace
}  // namespace webmon::consumer::status
