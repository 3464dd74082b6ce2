// What receivers are sent: the webhook body readable as Alertmanager's payload version 4 with
// webmon's own object beside it, and a Slack message, for firing, reminder and resolved.

#include "consumer/alerts/notification_payloads.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "consumer/alerts/notification_event.h"

namespace webmon::consumer::alerts {
namespace {

using ::testing::HasSubstr;

common::ProbeReport probe(bool ok, const std::string& when) {
  common::ProbeReport report;
  report.url = "https://shop.example/health";
  report.name = "shop";
  report.checked_at = *common::parseRfc3339(when);
  report.ok = ok;
  report.http_status = ok ? 200 : 503;
  report.response_time_ms = 12.5;
  report.timings.connect_ms = 1.5;
  if (!ok) report.error = common::ProbeError{common::ErrorKind::Http, "HTTP status 503"};
  report.producer_id = "p1";
  report.region = "eu-west";
  return report;
}

Notification notification(const std::string& kind, nlohmann::json event) {
  Notification n;
  n.id = 3;
  n.event_id = "0193f0a2-0000-7000-8000-000000000001";
  n.incident_id = 42;
  n.receiver = "ops";
  n.kind = kind;
  n.event = std::move(event);
  return n;
}

nlohmann::json firing() {
  MonitorState state;
  state.run_started_at = *common::parseRfc3339("2026-12-01T10:00:00Z");
  state.run_error_kind = "http";
  state.run_error = "HTTP status 503";
  state.failures_in_row = 2;
  return firingEvent(probe(false, "2026-12-01T10:01:00Z"), MonitorStatus::Up, state);
}

TEST(NotificationPayloads, FiringWebhookIsAlertmanagerVersion4) {
  const auto body = nlohmann::json::parse(webhookPayload(notification("firing", firing())));
  EXPECT_EQ(body["version"], "4");
  EXPECT_EQ(body["status"], "firing");
  EXPECT_EQ(body["receiver"], "ops");
  ASSERT_EQ(body["alerts"].size(), 1u);
  const auto& alert = body["alerts"][0];
  EXPECT_EQ(alert["status"], "firing");
  EXPECT_EQ(alert["labels"]["alertname"], "WebmonTargetDown");
  EXPECT_EQ(alert["labels"]["url"], "https://shop.example/health");
  EXPECT_EQ(alert["labels"]["name"], "shop");
  EXPECT_EQ(alert["startsAt"], "2026-12-01T10:00:00.000Z");
  EXPECT_EQ(alert["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(alert["fingerprint"], "42");
  EXPECT_THAT(alert["annotations"]["summary"].get<std::string>(), HasSubstr("shop is down (http)"));
  const auto& webmon = body["webmon"];
  EXPECT_EQ(webmon["event_id"], "0193f0a2-0000-7000-8000-000000000001");
  EXPECT_EQ(webmon["incident_id"], 42);
  EXPECT_EQ(webmon["state"], "down");
  EXPECT_EQ(webmon["previous_state"], "up");
  EXPECT_EQ(webmon["error_kind"], "http");
  EXPECT_EQ(webmon["failed_probes"], 2);
  EXPECT_EQ(webmon["http_status"], 503);
  EXPECT_EQ(webmon["timings"]["connect_ms"], 1.5);
  EXPECT_EQ(webmon["producer_id"], "p1");
  EXPECT_EQ(webmon["region"], "eu-west");
}

TEST(NotificationPayloads, ResolvedWebhookEndsTheAlertAndSaysHowLong) {
  const auto closed = probe(true, "2026-12-01T11:02:05Z");
  const auto event =
      resolvedEvent(closed, MonitorStatus::Down, *common::parseRfc3339("2026-12-01T10:00:00Z"),
                    closed.checked_at, 63);
  const auto body = nlohmann::json::parse(webhookPayload(notification("resolved", event)));
  EXPECT_EQ(body["status"], "resolved");
  EXPECT_EQ(body["alerts"][0]["endsAt"], "2026-12-01T11:02:05.000Z");
  EXPECT_EQ(body["webmon"]["duration_s"], 3725.0);
  EXPECT_EQ(body["webmon"]["state"], "up");
  EXPECT_EQ(body["webmon"]["previous_state"], "down");
  EXPECT_THAT(body["alerts"][0]["annotations"]["summary"].get<std::string>(),
              HasSubstr("shop is up again after 1h 2m 5s"));
}

TEST(NotificationPayloads, AReminderIsStillFiringAndCountsItself) {
  auto n = notification("reminder", firing());
  n.reminder = 3;
  const auto body = nlohmann::json::parse(webhookPayload(n));
  EXPECT_EQ(body["status"], "firing");
  EXPECT_EQ(body["webmon"]["kind"], "reminder");
  EXPECT_EQ(body["webmon"]["reminder"], 3);
}

TEST(NotificationPayloads, SlackGetsOneReadableMessage) {
  const auto body = nlohmann::json::parse(slackPayload(notification("firing", firing())));
  const std::string text = body["text"];
  EXPECT_THAT(text, HasSubstr(":red_circle: shop is down (http) since 2026-12-01T10:00:00.000Z"));
  EXPECT_THAT(text, HasSubstr("HTTP status 503"));
  EXPECT_THAT(text, HasSubstr("https://shop.example/health"));
}

TEST(NotificationPayloads, AFlappingNoticeIsAWarningAlertOfItsOwnThatEndsAfterAQuietWindow) {
  FlapState flap;
  flap.since = *common::parseRfc3339("2026-12-01T10:20:00Z");
  for (int minute : {0, 4, 8, 12, 16, 18, 20}) {
    flap.recent.push_back(*common::parseRfc3339("2026-12-01T10:00:00Z") +
                          std::chrono::minutes(minute));
  }
  const auto event = flappingEvent(probe(false, "2026-12-01T10:20:00Z"), MonitorStatus::Down, flap,
                                   common::FlappingRules{6, std::chrono::seconds(3600)});
  const auto n = notification("flapping", event);
  const auto body = nlohmann::json::parse(webhookPayload(n));
  EXPECT_EQ(body["status"], "firing");
  const auto& alert = body["alerts"][0];
  EXPECT_EQ(alert["labels"]["alertname"], "WebmonTargetFlapping");
  EXPECT_EQ(alert["labels"]["severity"], "warning");
  EXPECT_EQ(alert["fingerprint"], "flapping-42");
  EXPECT_EQ(alert["startsAt"], "2026-12-01T10:20:00.000Z");
  EXPECT_EQ(alert["endsAt"], "2026-12-01T11:20:00.000Z");
  EXPECT_EQ(body["webmon"]["transitions"], 7);
  EXPECT_EQ(body["webmon"]["window_s"], 3600);
  EXPECT_EQ(notificationSummary(n),
            "shop is flapping: 7 opens and closes within 1h 0m 0s; its notifications are held "
            "until it has been stable for 1h 0m 0s");
  EXPECT_THAT(slackPayload(n), HasSubstr(":warning: shop is flapping"));
}

TEST(NotificationPayloads, ANoticeHeldByAMaintenanceWindowSaysSo) {
  const auto closed = probe(true, "2026-12-01T11:30:00Z");
  auto event =
      resolvedEvent(closed, MonitorStatus::Down, *common::parseRfc3339("2026-12-01T10:00:00Z"),
                    *common::parseRfc3339("2026-12-01T11:00:00Z"), 6);
  event["held_by"] = "maintenance";
  const auto n = notification("resolved", event);
  EXPECT_EQ(notificationSummary(n), "shop is up again after 1h 0m 0s (held during maintenance)");
  const auto body = nlohmann::json::parse(webhookPayload(n));
  EXPECT_EQ(body["alerts"][0]["endsAt"], "2026-12-01T11:00:00.000Z");
  EXPECT_EQ(body["webmon"]["held_by"], "maintenance");
  EXPECT_EQ(body["webmon"]["checked_at"], "2026-12-01T11:30:00.000Z");
}

}  // namespace
}  // namespace webmon::consumer::alerts
