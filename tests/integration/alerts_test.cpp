// Alerts against a real PostgreSQL and a local HTTP receiver: incidents open and close once
// however the reports arrive (in one batch, over many, redelivered), their notifications are
// queued in the same transaction, and the dispatcher delivers each exactly once through a
// receiver that fails, one that hangs, and two dispatchers racing for the same outbox.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>
#include <set>
#include <thread>

#include "consumer/alerts/incident_tracker.h"
#include "consumer/alerts/maintenance_calendar.h"
#include "consumer/alerts/notification_dispatcher.h"
#include "consumer/migrations.h"
#include "consumer/report_writer.h"
#include "tests/support/recording_receiver.h"
#include "tests/support/test_env.h"
#include "tests/support/writer_fixture.h"

namespace webmon::consumer {
namespace {

using namespace std::chrono_literals;
using testing::count;
using ::testing::HasSubstr;

constexpr const char* kUrl = "https://shop.example/health";

ReportRecord probe(bool ok, int minute, std::int64_t offset, const std::string& url = kUrl) {
  ReportRecord r;
  r.report.id = common::newReportId();
  r.report.url = url;
  r.report.name = "shop";
  r.report.checked_at =
      *common::parseRfc3339("2026-12-01T10:00:00Z") + std::chrono::minutes(minute);
  r.report.ok = ok;
  r.report.http_status = ok ? 200 : 503;
  r.report.response_time_ms = 20;
  if (!ok) r.report.error = common::ProbeError{common::ErrorKind::Http, "HTTP status 503"};
  r.report.producer_id = "p1";
  r.position = {"reports", 0, offset};
  return r;
}

// up, down, down, down, up, up: one incident (confirm_down 2), opened at minute 1.
std::vector<ReportRecord> outage(std::int64_t first_offset = 0) {
  std::vector<ReportRecord> records;
  const bool ok[] = {true, false, false, false, true, true};
  for (int i = 0; i < 6; ++i) records.push_back(probe(ok[i], i, first_offset + i));
  return records;
}

common::Config alertsConfig(const std::string& receiver_url) {
  common::Config config;
  config.alerts.rules = {2, 1, 0s};
  for (const char* name : {"ops", "chat"}) {
    common::AlertReceiver receiver;
    receiver.name = name;
    receiver.type =
        std::string(name) == "chat" ? common::ReceiverType::Slack : common::ReceiverType::Webhook;
    receiver.url = receiver_url;
    receiver.timeout = 500ms;
    config.alerts.receivers.push_back(receiver);
  }
  return config;
}

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WEBMON_REQUIRE_TEST_ENV();
    db_ = std::make_unique<testing::ScratchDatabase>();
    config_ = alertsConfig(receiver_.url());
    makeWriter();
    ASSERT_GT(writer_->migrate(), 0);
    check_ = std::make_unique<pqxx::connection>(db_->connectionString());
  }
  void makeWriter() {
    tracker_ = std::make_shared<const alerts::IncidentTracker>(alerts::AlertPolicy(config_));
    writer_ = std::make_unique<ReportWriter>(db_->config(), 0, tracker_);
  }
  alerts::NotificationDispatcher dispatcher(alerts::DispatcherOptions options = fastRetries(),
                                            common::metrics::Registry* registry = nullptr) {
    return alerts::NotificationDispatcher(db_->config(), alerts::AlertPolicy(config_), options,
                                          registry);
  }
  static alerts::DispatcherOptions fastRetries() {
    alerts::DispatcherOptions options;
    options.poll_interval = 50ms;
    options.first_retry = 100ms;
    options.longest_retry = 400ms;
    return options;
  }
  long long sql(const std::string& query) { return count(*check_, query); }
  // Rounds until nothing is pending or `limit` passes (on a connection of its own, so two
  // threads may call it).
  void deliverAll(alerts::NotificationDispatcher& d, std::chrono::milliseconds limit = 20s) {
    pqxx::connection own(db_->connectionString());
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (count(own, "SELECT count(*) FROM notifications WHERE delivered_at IS NULL") > 0 &&
           std::chrono::steady_clock::now() < give_up) {
      d.runRound();
      std::this_thread::sleep_for(20ms);
    }
  }

  testing::RecordingReceiver receiver_;
  std::unique_ptr<testing::ScratchDatabase> db_;
  common::Config config_;
  std::shared_ptr<const alerts::IncidentTracker> tracker_;
  std::unique_ptr<ReportWriter> writer_;
  std::unique_ptr<pqxx::connection> check_;
};

TEST_F(AlertsTest, AnOutageIsOneIncidentWithOneFiringAndOneResolvedPerReceiver) {
  writer_->write(DecodedBatch{outage(), {}});
  EXPECT_EQ(sql("SELECT count(*) FROM incidents"), 1);
  EXPECT_EQ(sql("SELECT count(*) FROM incidents WHERE opened_at = '2026-12-01T10:01:00Z' AND "
                "closed_at = '2026-12-01T10:04:00Z' AND failed_probes = 3 AND cause_kind = "
                "'http' AND cause = 'HTTP status 503'"),
            1);
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE kind = 'firing'"), 2);
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE kind = 'resolved'"), 2);
  EXPECT_EQ(sql("SELECT count(*) FROM monitor_state WHERE state = 'up' AND since = "
                "'2026-12-01T10:04:00Z' AND last_checked_at = '2026-12-01T10:05:00Z' AND "
                "open_incident_id IS NULL"),
            1);
}

TEST_F(AlertsTest, ReportsSpreadOverBatchesAndRedeliveredOpenAndCloseOnce) {
  const auto records = outage();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const DecodedBatch one{{records[i]}, {}};
    writer_->write(one);
    writer_->write(one);  // redelivered: the stored offset refuses it
    // A consumer that restarts makes a new writer, and reads the state back from the table.
    if (i == 2) makeWriter();
  }
  writer_->write(DecodedBatch{records, {}});  // the whole range once more
  EXPECT_EQ(sql("SELECT count(*) FROM incidents"), 1);
  EXPECT_EQ(sql("SELECT count(*) FROM incidents WHERE closed_at IS NOT NULL AND failed_probes = 3"),
            1);
  EXPECT_EQ(sql("SELECT count(*) FROM notifications"), 4);
}

TEST_F(AlertsTest, ALateReportMovesNoStateAndAUrlWithAlertsOffRecordsButTellsNobody) {
  config_.monitored_urls.push_back({});
  config_.monitored_urls.back().url = "https://quiet.example/";
  config_.monitored_urls.back().alerts.enabled = false;
  makeWriter();
  // Within a batch the reports are applied in checked_at order; a report older than one a
  // previous batch applied (a producer that buffered through a Kafka outage) is history only.
  writer_->write(DecodedBatch{{probe(true, 10, 0)}, {}});
  std::vector<ReportRecord> records = {probe(false, 5, 1), probe(false, 6, 2),
                                       probe(false, 0, 3, "https://quiet.example/"),
                                       probe(false, 1, 4, "https://quiet.example/")};
  writer_->write(DecodedBatch{records, {}});
  EXPECT_EQ(sql("SELECT count(*) FROM reports"), 5);
  EXPECT_EQ(sql("SELECT count(*) FROM incidents WHERE url = 'https://shop.example/health'"), 0);
  EXPECT_EQ(sql("SELECT count(*) FROM monitor_state WHERE url = 'https://shop.example/health' AND "
                "state = 'up'"),
            1);
  EXPECT_EQ(sql("SELECT count(*) FROM incidents WHERE url = 'https://quiet.example/'"), 1);
  EXPECT_EQ(sql("SELECT count(*) FROM notifications"), 0);
}

TEST_F(AlertsTest, TheDispatcherDeliversEachNotificationOnceInOrderWithItsEventId) {
  writer_->write(DecodedBatch{outage(), {}});
  auto d = dispatcher();
  deliverAll(d);
  const auto accepted = receiver_.accepted();
  ASSERT_EQ(accepted.size(), 4u);
  std::set<std::string> keys;
  for (const auto& r : accepted) keys.insert(r.idempotency_key);
  EXPECT_EQ(keys.size(), 4u);
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE delivered_at IS NOT NULL AND attempts = "
                "1 AND event_id::text IN ('" +
                [&] {
                  std::string list;
                  for (const auto& k : keys) list += (list.empty() ? "" : "','") + k;
                  return list;
                }() +
                "')"),
            4);
  // Per receiver, firing before resolved.
  std::vector<std::string> webhook_statuses;
  for (const auto& r : accepted) {
    const auto body = nlohmann::json::parse(r.body);
    if (body.contains("version")) webhook_statuses.push_back(body["status"]);
  }
  EXPECT_EQ(webhook_statuses, (std::vector<std::string>{"firing", "resolved"}));
  // Nothing more goes out.
  d.runRound();
  EXPECT_EQ(receiver_.requests().size(), 4u);
}

TEST_F(AlertsTest, AFailingReceiverIsRetriedWithBackOffShownAsFailingAndLosesNothing) {
  writer_->write(DecodedBatch{outage(), {}});
  receiver_.failNext(5);
  common::metrics::Registry registry;
  auto d = dispatcher(fastRetries(), &registry);
  d.runRound();
  EXPECT_EQ(sql("SELECT count(*) FROM notification_receivers WHERE state = 'failing' AND "
                "last_error LIKE 'HTTP 500: receiver broken on purpose'"),
            2);
  EXPECT_THAT(d.failingReceivers(), HasSubstr("HTTP 500"));
  // Back-off per receiver: one attempt each in that round, not one per notification.
  EXPECT_EQ(receiver_.requests().size(), 2u);
  deliverAll(d);
  EXPECT_EQ(receiver_.accepted().size(), 4u);
  std::set<std::string> keys;
  for (const auto& r : receiver_.accepted()) keys.insert(r.idempotency_key);
  EXPECT_EQ(keys.size(), 4u);
  EXPECT_EQ(receiver_.requests().size(), 4u + 5u);
  EXPECT_EQ(sql("SELECT sum(attempts) FROM notifications"), 4 + 5);
  EXPECT_EQ(sql("SELECT count(*) FROM notification_receivers WHERE state = 'ok'"), 2);
  EXPECT_EQ(d.failingReceivers(), "");
  EXPECT_FALSE(d.failingSince().isSet());
  // Each receiver's series once, with every attempt counted (5 failures over the two).
  const std::string scrape = registry.render();
  EXPECT_THAT(scrape, HasSubstr("webmon_notifications_sent_total{receiver=\"ops\"} 2\n"));
  EXPECT_THAT(scrape, HasSubstr("webmon_notifications_sent_total{receiver=\"chat\"} 2\n"));
  const auto failures = [&](const std::string& receiver) {
    const std::string key = "webmon_notification_failures_total{receiver=\"" + receiver + "\"} ";
    const auto at = scrape.find(key);
    EXPECT_NE(at, std::string::npos) << scrape;
    EXPECT_EQ(scrape.find(key, at + 1), std::string::npos) << "series twice:\n" << scrape;
    return at == std::string::npos ? -1 : std::stoi(scrape.substr(at + key.size()));
  };
  EXPECT_EQ(failures("ops") + failures("chat"), 5);
}

TEST_F(AlertsTest, AHangingReceiverTimesOutAndIsDeliveredOnceWhenItAnswers) {
  writer_->write(DecodedBatch{{probe(false, 0, 0), probe(false, 1, 1)}, {}});  // firing only
  receiver_.hangFor(1500ms);  // the receivers' timeout is 500 ms
  auto d = dispatcher();
  d.runRound();
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE delivered_at IS NULL AND attempts = 1 "
                "AND last_error LIKE 'Timeout was reached%'"),
            2);
  receiver_.hangFor(0ms);
  deliverAll(d);
  EXPECT_EQ(receiver_.accepted().size(), 2u);
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE delivered_at IS NOT NULL"), 2);
}

TEST_F(AlertsTest, TwoDispatchersDeliverEveryNotificationExactlyOnce) {
  // 40 URLs, each with an outage: 80 incidents' worth of notifications, 160 rows.
  std::vector<ReportRecord> records;
  std::int64_t offset = 0;
  for (int u = 0; u < 40; ++u) {
    for (int i = 0; i < 4; ++i) {
      records.push_back(
          probe(i == 3, i, offset++, "https://site" + std::to_string(u) + ".example/"));
    }
  }
  writer_->write(DecodedBatch{records, {}});
  ASSERT_EQ(sql("SELECT count(*) FROM notifications"), 160);
  receiver_.failNext(3);
  auto one = dispatcher();
  auto two = dispatcher();
  std::thread racer([&] { deliverAll(two); });
  deliverAll(one);
  racer.join();
  const auto accepted = receiver_.accepted();
  std::multiset<std::string> keys;
  for (const auto& r : accepted) keys.insert(r.idempotency_key);
  EXPECT_EQ(accepted.size(), 160u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 160u);
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE delivered_at IS NULL"), 0);
}

TEST_F(AlertsTest, RemindersWhileDownAtTheirIntervalAndNotTwice) {
  config_.alerts.rules.remind_every = 1s;
  makeWriter();
  writer_->write(DecodedBatch{{probe(false, 0, 0), probe(false, 1, 1)}, {}});
  auto one = dispatcher();
  auto two = dispatcher();
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 2500ms) {
    one.runRound();
    two.runRound();
    std::this_thread::sleep_for(50ms);
  }
  // At 1 s and 2 s after the firing: two reminders per receiver.
  EXPECT_EQ(sql("SELECT reminders FROM incidents"), 2);
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE kind = 'reminder'"), 4);
  EXPECT_EQ(sql("SELECT count(DISTINCT (event->>'reminder')) FROM notifications WHERE kind = "
                "'reminder'"),
            2);
  // A closed incident is reminded of no more.
  writer_->write(DecodedBatch{{probe(true, 2, 2)}, {}});
  std::this_thread::sleep_for(1200ms);
  one.runRound();
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE kind = 'reminder'"), 4);
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE kind = 'resolved'"), 2);
}

// The notifications queued, per url and kind: "url kind" -> count.
std::map<std::string, long long> queuedByUrlAndKind(pqxx::connection& connection) {
  pqxx::nontransaction tx(connection);
  std::map<std::string, long long> out;
  for (const auto& row :
       tx.exec("SELECT i.url || ' ' || n.kind, count(*) FROM notifications n JOIN incidents i ON "
               "i.id = n.incident_id GROUP BY 1")) {
    out[row[0].as<std::string>()] = row[1].as<long long>();
  }
  return out;
}

// Writes `records` in batches of `size`, each one twice (the redelivery a crash causes).
void writeInBatches(ReportWriter& writer, const std::vector<ReportRecord>& records,
                    std::size_t size) {
  for (std::size_t at = 0; at < records.size(); at += size) {
    const auto end = records.begin() + static_cast<long>(std::min(records.size(), at + size));
    const DecodedBatch batch{
        std::vector<ReportRecord>(records.begin() + static_cast<long>(at), end), {}};
    writer.write(batch);
    writer.write(batch);
  }
}

TEST_F(AlertsTest, AFlappingTargetSendsOneNoticeInsteadOfAStormAndTheChangeWhenItSettles) {
  config_.alerts.rules = {1, 1, 0s};
  config_.alerts.flapping = {3, 3600s};  // more than 3 opens and closes in an hour
  makeWriter();
  // Down and up every other minute for 20 minutes (20 transitions), then up for 70.
  std::vector<ReportRecord> records;
  for (int m = 0; m < 90; ++m) records.push_back(probe(m >= 20 || m % 2 == 1, m, m));
  writeInBatches(*writer_, std::vector<ReportRecord>(records.begin(), records.begin() + 40), 7);
  EXPECT_EQ(sql("SELECT count(*) FROM incidents"), 10);
  // Incident 1 fired and resolved, incident 2 fired; its close was the 4th transition: the
  // flapping notice goes instead, and nothing more while it flaps.
  EXPECT_EQ(queuedByUrlAndKind(*check_),
            (std::map<std::string, long long>{{std::string(kUrl) + " firing", 4},
                                              {std::string(kUrl) + " resolved", 2},
                                              {std::string(kUrl) + " flapping", 2}}));
  EXPECT_EQ(sql("SELECT count(*) FROM monitor_state WHERE notifications_held = 'flapping' AND "
                "flapping_since = '2026-12-01T10:03:00Z'"),
            1);
  makeWriter();  // a restarted consumer reads the flapping state back from monitor_state
  writeInBatches(*writer_, std::vector<ReportRecord>(records.begin() + 40, records.end()), 7);
  // An hour after the last change (minute 19) it is stable: incident 2, told as open, is
  // resolved; incidents 3 to 10 came and went while held and are not told.
  EXPECT_EQ(queuedByUrlAndKind(*check_),
            (std::map<std::string, long long>{{std::string(kUrl) + " firing", 4},
                                              {std::string(kUrl) + " resolved", 4},
                                              {std::string(kUrl) + " flapping", 2}}));
  EXPECT_EQ(sql("SELECT count(*) FROM notifications n JOIN incidents i ON i.id = n.incident_id "
                "WHERE n.kind = 'resolved' AND n.event->>'held_by' = 'flapping' AND "
                "i.opened_at = '2026-12-01T10:02:00Z' AND "
                "i.closed_at = '2026-12-01T10:03:00Z'"),
            2);
  EXPECT_EQ(sql("SELECT count(*) FROM monitor_state WHERE notifications_held IS NULL AND "
                "flapping_since IS NULL"),
            1);
  EXPECT_EQ(sql("SELECT count(*) FROM incidents WHERE firing_sent"), 2);
  // And the dispatcher delivers exactly those ten.
  auto d = dispatcher();
  deliverAll(d);
  EXPECT_EQ(receiver_.requests().size(), 10u);
}

TEST_F(AlertsTest, AMaintenanceWindowHoldsNotificationsAndThenReportsOnlyWhatChanged) {
  config_.alerts.rules = {2, 1, 0s};
  // 11:10 in Berlin is 10:10 UTC in December: minutes 10 to 40 of the probes below.
  common::MaintenanceWindow window;
  window.name = "upgrade";
  window.start = "2026-12-01T11:10";
  window.time_zone = "Europe/Berlin";
  window.duration = 1800s;
  config_.alerts.maintenance = {window};
  makeWriter();
  const auto down = [](const std::string& url, int m) {
    if (url == "https://a.example/") return m >= 12 && m <= 50;  // down across the end
    if (url == "https://b.example/") return m >= 15 && m <= 17;  // an incident inside
    if (url == "https://c.example/") return m <= 20;             // opened before, closed inside
    return m >= 5;                                               // d: down from before to the end
  };
  std::vector<ReportRecord> records;
  for (int m = 0; m <= 60; ++m) {
    for (const char* url :
         {"https://a.example/", "https://b.example/", "https://c.example/", "https://d.example/"}) {
      records.push_back(probe(!down(url, m), m, static_cast<std::int64_t>(records.size()), url));
    }
  }
  writeInBatches(*writer_, records, 9);
  EXPECT_EQ(sql("SELECT count(*) FROM incidents"), 4);
  // Two receivers each: a fired at the window's end (still down) and resolved after it; b
  // was never told; c fired before and its resolve waited for the end; d fired before and
  // is unchanged at the end, so nothing more.
  EXPECT_EQ(queuedByUrlAndKind(*check_),
            (std::map<std::string, long long>{{"https://a.example/ firing", 2},
                                              {"https://a.example/ resolved", 2},
                                              {"https://c.example/ firing", 2},
                                              {"https://c.example/ resolved", 2},
                                              {"https://d.example/ firing", 2}}));
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE kind = 'firing' AND "
                "event->>'held_by' = 'maintenance' AND event->>'opened_at' = "
                "'2026-12-01T10:12:00.000Z' AND event->'probe'->>'checked_at' = "
                "'2026-12-01T10:40:00.000Z'"),
            2);
  EXPECT_EQ(sql("SELECT count(*) FROM notifications WHERE kind = 'resolved' AND "
                "event->>'held_by' = 'maintenance' AND event->>'closed_at' = "
                "'2026-12-01T10:21:00.000Z' AND event->>'url' = 'https://c.example/'"),
            2);
  EXPECT_EQ(sql("SELECT count(*) FROM monitor_state WHERE notifications_held IS NOT NULL"), 0);
}

TEST_F(AlertsTest, AnIncidentHeldByMaintenanceGetsNoReminders) {
  config_.alerts.rules.remind_every = 1s;
  common::MaintenanceWindow window;
  window.start = "2026-12-01T10:00";
  window.duration = 3600s;
  config_.alerts.maintenance = {window};
  makeWriter();
  writer_->write(DecodedBatch{{probe(false, 0, 0), probe(false, 1, 1)}, {}});
  ASSERT_EQ(sql("SELECT count(*) FROM incidents WHERE closed_at IS NULL AND NOT firing_sent"), 1);
  auto d = dispatcher();
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 1500ms) {
    d.runRound();
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(sql("SELECT count(*) FROM notifications"), 0);
  EXPECT_EQ(sql("SELECT reminders FROM incidents"), 0);
}

TEST_F(AlertsTest, WeeklyWindowsFollowTheirTimeZoneThroughDaylightSavingTime) {
  common::MaintenanceWindow weekly;
  weekly.weekdays = {7};  // Sundays, 03:00 to 04:00 in Berlin
  weekly.at = "03:00";
  weekly.time_zone = "Europe/Berlin";
  weekly.duration = 3600s;
  common::MaintenanceWindow once;
  once.start = "2026-03-28T23:30";
  once.time_zone = "America/New_York";
  once.duration = 600s;
  pqxx::work tx(*check_);
  // From inside the first Sunday's window: it still counts.
  const auto found = alerts::maintenanceIntervals(tx, {&weekly, &once},
                                                  *common::parseRfc3339("2026-03-22T02:30:00Z"),
                                                  *common::parseRfc3339("2026-04-05T12:00:00Z"));
  ASSERT_EQ(found.size(), 2u);
  std::vector<std::string> starts;
  for (const auto& interval : found[0]) {
    starts.push_back(common::formatRfc3339(interval.start) + " " +
                     common::formatRfc3339(interval.end));
  }
  // CET (UTC+1) on the 22nd, CEST (UTC+2) from the 29th.
  EXPECT_THAT(starts, ::testing::ElementsAre("2026-03-22T02:00:00.000Z 2026-03-22T03:00:00.000Z",
                                             "2026-03-29T01:00:00.000Z 2026-03-29T02:00:00.000Z",
                                             "2026-04-05T01:00:00.000Z 2026-04-05T02:00:00.000Z"));
  ASSERT_EQ(found[1].size(), 1u);  // EDT, UTC-4
  EXPECT_EQ(common::formatRfc3339(found[1][0].start), "2026-03-29T03:30:00.000Z");
  EXPECT_TRUE(alerts::insideAny(found[0], *common::parseRfc3339("2026-03-29T01:59:59Z")));
  EXPECT_FALSE(alerts::insideAny(found[0], *common::parseRfc3339("2026-03-29T02:00:00Z")));
}

}  // namespace
}  // namespace webmon::consumer
