// The status API, page and badges on rows whose answers we know: reports stored through the
// consumer's own writer (so monitor_state, incidents and the rollups are what ingest makes),
// served by a real StatusApiServer on a free port and read over HTTP.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <pqxx/nontransaction>
#include <regex>

#include "consumer/alerts/incident_tracker.h"
#include "consumer/report_writer.h"
#include "consumer/status/status_api_server.h"
#include "tests/support/test_env.h"
#include "tests/support/writer_fixture.h"

namespace webmon::consumer {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kShop = "https://shop.example/health";
constexpr const char* kBlog = "https://blog.example/";
constexpr const char* kNew = "https://new.example/";

common::Config statusConfig() {
  common::Config config;
  config.alerts.rules = {2, 1, 0s};
  const std::tuple<const char*, const char*, const char*> urls[] = {
      {kShop, "Shop", "Shop"}, {kBlog, "Blog", "Content"}, {kNew, "New", "Content"}};
  for (const auto& [url, name, group] : urls) {
    common::MonitoredUrl item;
    item.url = url;
    item.name = name;
    item.group = group;
    config.monitored_urls.push_back(item);
  }
  return config;
}

class StatusApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WEBMON_REQUIRE_TEST_ENV();
    db_ = std::make_unique<testing::ScratchDatabase>();
    config_ = statusConfig();
    auto tracker = std::make_shared<const alerts::IncidentTracker>(alerts::AlertPolicy(config_));
    writer_ = std::make_unique<ReportWriter>(db_->config(), 0, tracker);
    ASSERT_GT(writer_->migrate(), 0);
    check_ = std::make_unique<pqxx::connection>(db_->connectionString());
    storeProbes();
    server_ = std::make_unique<status::StatusApiServer>("127.0.0.1:0", db_->config(),
                                                        status::listedUrls(config_));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(20, 0);
  }

  // The shop: 20 probes 7 minutes apart (over two UTC hours at least), the last 3 down (one open
  // incident); the blog: 10 up with phase timings; the new URL: nothing yet.
  void storeProbes() {
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    std::vector<ReportRecord> records;
    std::int64_t offset = 0;
    for (int i = 0; i < 20; ++i) {
      ReportRecord r;
      r.report.id = common::newReportId();
      r.report.url = kShop;
      r.report.name = "Shop";
      r.report.checked_at = now - std::chrono::minutes(7 * (19 - i));
      r.report.ok = i < 17;
      r.report.http_status = r.report.ok ? 200 : 503;
      r.report.response_time_ms = 10 + i;
      if (!r.report.ok) r.report.error = common::ProbeError{common::ErrorKind::Http, "HTTP 503"};
      r.report.producer_id = "p1";
      r.position = {"reports", 0, offset++};
      records.push_back(r);
    }
    for (int i = 0; i < 10; ++i) {
      ReportRecord r;
      r.report.id = common::newReportId();
      r.report.url = kBlog;
      r.report.name = "Blog";
      r.report.checked_at = now - std::chrono::minutes(9 - i) - 30s;
      r.report.ok = true;
      r.report.http_status = 200;
      r.report.response_time_ms = 100;
      r.report.timings.dns_ms = 1;
      r.report.timings.connect_ms = 2;
      r.report.timings.tls_ms = 30;
      r.report.timings.ttfb_ms = 90;
      r.report.producer_id = "p1";
      r.position = {"reports", 0, offset++};
      records.push_back(r);
    }
    writer_->write(DecodedBatch{records, {}});
  }

  json getJson(const std::string& path, int expected_status = 200) {
    auto result = client_->Get(path.c_str());
    EXPECT_TRUE(result) << path;
    if (!result) return {};
    EXPECT_EQ(result->status, expected_status) << path << ": " << result->body;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/json") << path;
    return json::parse(result->body);
  }

  std::string sqlText(const std::string& query) {
    pqxx::nontransaction tx(*check_);
    return tx.exec(query)[0][0].as<std::string>();
  }

  std::unique_ptr<testing::ScratchDatabase> db_;
  common::Config config_;
  std::unique_ptr<ReportWriter> writer_;
  std::unique_ptr<pqxx::connection> check_;
  std::unique_ptr<status::StatusApiServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

constexpr const char* kIso = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'";

TEST_F(StatusApiTest, StatusListsEveryConfiguredUrlInOrderWithStateAndUptime) {
  const auto body = getJson("/api/v1/status");
  ASSERT_EQ(body.size(), 3u);
  EXPECT_EQ(body[0]["url"], kShop);
  EXPECT_EQ(body[1]["url"], kBlog);
  EXPECT_EQ(body[2]["url"], kNew);

  const auto& shop = body[0];
  EXPECT_EQ(shop["name"], "Shop");
  EXPECT_EQ(shop["group"], "Shop");
  EXPECT_EQ(shop["status"], "down");
  EXPECT_EQ(shop["since"], sqlText(std::string("SELECT to_char(since AT TIME ZONE 'UTC', ") + kIso +
                                   ") FROM monitor_state WHERE url = '" + kShop + "'"));
  EXPECT_EQ(shop["checked_at"],
            sqlText(std::string("SELECT to_char(max(checked_at) AT TIME ZONE 'UTC', ") + kIso +
                    ") FROM reports WHERE url = '" + kShop + "'"));
  EXPECT_EQ(shop["error_kind"], "http");
  EXPECT_EQ(shop["http_status"], 503);
  EXPECT_DOUBLE_EQ(shop["response_ms"].get<double>(), 29);
  EXPECT_DOUBLE_EQ(shop["uptime_24h"].get<double>(), 85.0);  // 17 of 20
  EXPECT_DOUBLE_EQ(shop["uptime_30d"].get<double>(), 85.0);

  EXPECT_EQ(body[1]["status"], "up");
  EXPECT_DOUBLE_EQ(body[1]["uptime_24h"].get<double>(), 100.0);
  EXPECT_TRUE(body[1]["error_kind"].is_null());

  const auto& fresh = body[2];
  EXPECT_EQ(fresh["status"], "unknown");
  for (const char* key : {"since", "checked_at", "response_ms", "uptime_24h", "uptime_30d"}) {
    EXPECT_TRUE(fresh[key].is_null()) << key;
  }
}

TEST_F(StatusApiTest, HistoryIsTheUrlsRowsNewestFirstAndRespectsTheLimit) {
  const auto five = getJson(std::string("/api/v1/history?url=") + kShop + "&limit=5");
  ASSERT_EQ(five.size(), 5u);
  pqxx::nontransaction tx(*check_);
  const auto rows = tx.exec(std::string("SELECT to_char(checked_at AT TIME ZONE 'UTC', ") + kIso +
                            "), status, http_status, response_time_ms, error_kind, "
                            "error_message FROM reports WHERE url = '" +
                            kShop + "' ORDER BY checked_at DESC LIMIT 5");
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(five[i]["checked_at"], rows[i][0].as<std::string>());
    EXPECT_EQ(five[i]["status"], rows[i][1].as<std::string>());
    EXPECT_EQ(five[i]["http_status"], rows[i][2].as<int>());
    EXPECT_DOUBLE_EQ(five[i]["response_ms"].get<double>(), rows[i][3].as<double>());
  }
  EXPECT_EQ(five[0]["status"], "down");
  EXPECT_EQ(five[0]["error"], "HTTP 503");
  EXPECT_EQ(five[3]["status"], "up");
  EXPECT_TRUE(five[3]["error"].is_null());
  EXPECT_EQ(getJson(std::string("/api/v1/history?url=") + kShop).size(), 10u);  // the default
  EXPECT_EQ(getJson(std::string("/api/v1/history?url=") + kShop + "&limit=1000").size(), 20u);

  const auto blog = getJson(std::string("/api/v1/history?url=") + kBlog + "&limit=1");
  ASSERT_EQ(blog.size(), 1u);
  EXPECT_DOUBLE_EQ(blog[0]["dns_ms"].get<double>(), 1);
  EXPECT_DOUBLE_EQ(blog[0]["connect_ms"].get<double>(), 2);
  EXPECT_DOUBLE_EQ(blog[0]["tls_ms"].get<double>(), 30);
  EXPECT_DOUBLE_EQ(blog[0]["ttfb_ms"].get<double>(), 90);
  EXPECT_EQ(getJson(std::string("/api/v1/history?url=") + kNew).size(), 0u);
}

TEST_F(StatusApiTest, BadParametersAre400sThatNameThemAndUnknownUrlsAre404s) {
  for (const char* limit : {"0", "1001", "ten", "5x", "-1"}) {
    const auto body = getJson(std::string("/api/v1/history?url=") + kShop + "&limit=" + limit, 400);
    EXPECT_EQ(body["parameter"], "limit") << limit;
    EXPECT_THAT(body["error"].get<std::string>(), HasSubstr("1 to 1000")) << limit;
  }
  EXPECT_EQ(getJson("/api/v1/history", 400)["parameter"], "url");
  const auto unknown = getJson("/api/v1/history?url=https://nowhere.example/", 404);
  EXPECT_EQ(unknown["parameter"], "url");
  EXPECT_THAT(unknown["error"].get<std::string>(), HasSubstr("nowhere.example"));
  EXPECT_EQ(getJson(std::string("/api/v1/uptime?url=") + kShop + "&window=1y", 400)["parameter"],
            "window");
  for (const char* since :
       {"yesterday", "2026-13-01", "2026-02-30", "2026-12-01T25:00:00Z", "2026-12-01T10:00:00+5"}) {
    EXPECT_EQ(getJson(std::string("/api/v1/incidents?since=") + since, 400)["parameter"], "since")
        << since;
  }
  EXPECT_EQ(getJson("/api/v1/badge/status.svg?url=https://nowhere.example/", 404)["parameter"],
            "url");
  EXPECT_THAT(getJson("/api/v1/nothing-here", 404)["error"].get<std::string>(),
              HasSubstr("no such endpoint"));
  auto page = client_->Get("/?page=2");  // 3 URLs: one page
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 400);
  EXPECT_THAT(page->body, HasSubstr("\"parameter\":\"page\""));
  auto group = client_->Get("/?group=Nope");
  ASSERT_TRUE(group);
  EXPECT_EQ(group->status, 404);
}

TEST_F(StatusApiTest, UptimeAndIncidentsComeFromTheRollupsAndTheIncidentsTable) {
  for (const char* window : {"24h", "7d", "30d", "90d"}) {
    const auto body = getJson(std::string("/api/v1/uptime?url=") + kShop + "&window=" + window);
    EXPECT_EQ(body["window"], window);
    EXPECT_EQ(body["probes"], 20);
    EXPECT_EQ(body["up"], 17);
    EXPECT_EQ(body["down"], 3);
    EXPECT_DOUBLE_EQ(body["uptime"].get<double>(), 85.0);
  }
  EXPECT_TRUE(getJson(std::string("/api/v1/uptime?url=") + kNew)["uptime"].is_null());

  const auto all = getJson("/api/v1/incidents");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["url"], kShop);
  EXPECT_EQ(all[0]["open"], true);
  EXPECT_TRUE(all[0]["closed_at"].is_null());
  EXPECT_EQ(all[0]["cause_kind"], "http");
  EXPECT_EQ(all[0]["cause"], "HTTP 503");
  EXPECT_EQ(all[0]["failed_probes"], 3);
  EXPECT_EQ(all[0]["id"], std::stoll(sqlText("SELECT id FROM incidents")));
  EXPECT_EQ(getJson(std::string("/api/v1/incidents?url=") + kBlog).size(), 0u);
  EXPECT_EQ(getJson(std::string("/api/v1/incidents?url=") + kShop + "&since=2026-01-01").size(),
            1u);
  // An open incident reaches into any future "since".
  EXPECT_EQ(getJson("/api/v1/incidents?since=2999-01-01T00:00:00Z").size(), 1u);
}

TEST_F(StatusApiTest, BadgesSayTheStateUptimeAndResponseTime) {
  auto svg = client_->Get((std::string("/api/v1/badge/status.svg?url=") + kShop).c_str());
  ASSERT_TRUE(svg);
  EXPECT_EQ(svg->status, 200);
  EXPECT_EQ(svg->get_header_value("Content-Type"), "image/svg+xml");
  EXPECT_THAT(svg->body, HasSubstr("<svg"));
  EXPECT_THAT(svg->body, HasSubstr("status: down"));
  const auto uptime = getJson(std::string("/api/v1/badge/uptime.json?url=") + kShop);
  EXPECT_EQ(uptime["schemaVersion"], 1);
  EXPECT_EQ(uptime["label"], "uptime 30d");
  EXPECT_EQ(uptime["message"], "85.00%");
  EXPECT_EQ(
      getJson(std::string("/api/v1/badge/uptime.json?url=") + kBlog + "&window=7d")["message"],
      "100%");
  EXPECT_EQ(getJson(std::string("/api/v1/badge/response.json?url=") + kBlog)["message"], "100 ms");
  EXPECT_EQ(getJson(std::string("/api/v1/badge/status.json?url=") + kNew)["message"], "unknown");
}

TEST_F(StatusApiTest, AnswersCarryAnETagAreGzippedOnRequestAndA304WhenUnchanged) {
  auto first = client_->Get("/api/v1/status");
  ASSERT_TRUE(first);
  const auto etag = first->get_header_value("ETag");
  EXPECT_THAT(etag, ::testing::StartsWith("W/\""));
  EXPECT_EQ(first->get_header_value("Cache-Control"), "public, max-age=10");
  auto again = client_->Get("/api/v1/status", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());

  // A newer probe changes the answer: a new tag, and the old one gets the whole body again.
  ReportRecord newer;
  newer.report.id = common::newReportId();
  newer.report.url = kBlog;
  newer.report.name = "Blog";
  newer.report.checked_at =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  newer.report.ok = true;
  newer.report.http_status = 200;
  newer.report.response_time_ms = 123.5;
  newer.report.producer_id = "p1";
  newer.position = {"reports", 0, 30};  // the next after storeProbes()'s
  writer_->write(DecodedBatch{{newer}, {}});
  auto changed = client_->Get("/api/v1/status", {{"If-None-Match", etag}});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 200);
  EXPECT_NE(changed->get_header_value("ETag"), etag);
  EXPECT_THAT(changed->body, HasSubstr("123.5"));

  client_->set_decompress(false);
  auto zipped = client_->Get("/", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(zipped);
  EXPECT_EQ(zipped->status, 200);
  EXPECT_EQ(zipped->get_header_value("Content-Encoding"), "gzip");
  ASSERT_GE(zipped->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(zipped->body[0]), 0x1f);  // the gzip magic
  EXPECT_EQ(static_cast<unsigned char>(zipped->body[1]), 0x8b);
}

TEST_F(StatusApiTest, ThePageShowsEachUrlInItsGroupWithNinetyDayBars) {
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const auto& html = page->body;
  EXPECT_THAT(html, HasSubstr("<h2>Shop</h2>"));
  EXPECT_THAT(html, HasSubstr("<h2>Content</h2>"));
  EXPECT_THAT(html, HasSubstr("1 target is down"));
  EXPECT_THAT(html, HasSubstr("Needs attention"));
  EXPECT_THAT(html, HasSubstr("data-url=\"https://shop.example/health\" data-status=\"down\""));
  EXPECT_THAT(html, HasSubstr("data-url=\"https://new.example/\" data-status=\"unknown\""));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  const std::regex rect("<rect class=\"(up|degraded|down|none)\"");
  const auto bars =
      std::distance(std::sregex_iterator(html.begin(), html.end(), rect), std::sregex_iterator());
  EXPECT_EQ(bars, 3 * 90);
  // The shop's 3 of 20 probes down (15 %) make a down day (two, if the probes span midnight).
  EXPECT_THAT(html, HasSubstr("probes down</title>"));
  EXPECT_THAT(html, ::testing::ContainsRegex(
                        "<rect class=\"down\"[^>]*><title>[0-9-]+: [0-9.]+% up, [0-9]+ of"));
  EXPECT_THAT(html, HasSubstr("<polyline"));  // the shop's hourly response times
}

TEST_F(StatusApiTest, WithPostgresUnreachableTheApiAnswers503AndThePageSaysSo) {
  auto gone = db_->config();
  gone.dsn.clear();
  gone.host = "127.0.0.1";
  gone.port = 1;  // nothing listens there
  status::StatusApiServer server("127.0.0.1:0", gone, status::listedUrls(config_), 1s);
  httplib::Client client("127.0.0.1", server.port());
  auto api = client.Get("/api/v1/status");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 503);
  EXPECT_EQ(api->get_header_value("Cache-Control"), "no-store");
  EXPECT_THAT(api->body, HasSubstr("cannot reach postgres"));
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 503);
  EXPECT_THAT(page->body, HasSubstr("cannot be shown"));
  EXPECT_THAT(page->body, HasSubstr("Nothing here is current"));
  EXPECT_THAT(page->body, Not(HasSubstr("data-status")));
}

}  // namespace
}  // namespace webmon::consumer
