// The alerts section and each URL's alerts key: the issue's example as written, the defaults,
// secrets from the environment or a file, and a path-named error for every mistake.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "common/config.h"
#include "common/config_error.h"
#include "tests/support/fake_environment.h"

namespace webmon::common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

using webmon::testing::environment;

std::string document(const std::string& alerts, const std::string& urls) {
  return R"({"kafka": {"bootstrap_servers": ["127.0.0.1:9092"]}, )" +
         (alerts.empty() ? "" : R"("alerts": )" + alerts + ", ") + R"("monitored_urls": )" + urls +
         "}";
}

std::vector<std::string> problemsOf(const std::string& alerts, const std::string& urls,
                                    const EnvLookup& env = environment({})) {
  try {
    parseConfig(document(alerts, urls), env);
  } catch (const ConfigError& error) {
    return error.problems();
  }
  return {};
}

TEST(ConfigAlerts, TheIssuesExampleAsWritten) {
  const auto config = parseConfig(
      document(R"({
      "confirm_down": 2, "confirm_up": 1, "remind_every": 3600,
      "receivers": [
        {"name": "ops", "type": "webhook", "url": "https://hooks.example/webmon"},
        {"name": "chat", "type": "slack", "url_env": "WEBMON_SLACK_URL"}
      ]
    })",
               R"([
      {"url": "https://example.com", "alerts": {"confirm_down": 3, "receivers": ["ops"]}},
      {"url": "https://example.org", "alerts": false}])"),
      environment({{"WEBMON_SLACK_URL", "https://hooks.slack.test/services/T0/B0/secret"}}));
  EXPECT_EQ(config.alerts.rules, (AlertRules{2, 1, std::chrono::seconds(3600)}));
  ASSERT_EQ(config.alerts.receivers.size(), 2u);
  EXPECT_EQ(config.alerts.receivers[0].name, "ops");
  EXPECT_EQ(config.alerts.receivers[0].type, ReceiverType::Webhook);
  EXPECT_EQ(config.alerts.receivers[0].url, "https://hooks.example/webmon");
  EXPECT_EQ(config.alerts.receivers[1].type, ReceiverType::Slack);
  EXPECT_EQ(config.alerts.receivers[1].url, "https://hooks.slack.test/services/T0/B0/secret");
  EXPECT_EQ(config.alerts.receivers[1].shown_url, "https://hooks.slack.test/…");
  EXPECT_EQ(config.monitored_urls[0].alerts.confirm_down, 3);
  EXPECT_EQ(config.monitored_urls[0].alerts.receivers, std::vector<std::string>{"ops"});
  EXPECT_FALSE(config.monitored_urls[1].alerts.enabled);
}

TEST(ConfigAlerts, WithoutTheSectionNothingIsSentAndTheDefaultsHold) {
  const auto config =
      parseConfig(document("", R"([{"url": "https://example.com"}])"), environment({}));
  EXPECT_TRUE(config.alerts.receivers.empty());
  EXPECT_EQ(config.alerts.rules, (AlertRules{2, 1, std::chrono::seconds(0)}));
  EXPECT_TRUE(config.monitored_urls[0].alerts.enabled);
  EXPECT_FALSE(config.monitored_urls[0].alerts.receivers);
}

TEST(ConfigAlerts, ATokenAndAUrlFromFiles) {
  const std::string url_file = ::testing::TempDir() + "webmon-alerts-url";
  const std::string token_file = ::testing::TempDir() + "webmon-alerts-token";
  std::ofstream(url_file) << "http://127.0.0.1:9/hook\n";
  std::ofstream(token_file) << "t0ken\n";
  const auto config = parseConfig(
      document(R"({"receivers": [{"name": "ops", "type": "webhook", "url_file": ")" + url_file +
                   R"(", "token_file": ")" + token_file + R"(", "timeout": 2.5}]})",
               "[]"),
      environment({}));
  EXPECT_EQ(config.alerts.receivers[0].url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(config.alerts.receivers[0].bearer_token, "t0ken");
  EXPECT_EQ(config.alerts.receivers[0].timeout, std::chrono::milliseconds(2500));
  std::remove(url_file.c_str());
  std::remove(token_file.c_str());
}

TEST(ConfigAlerts, EveryMistakeIsNamedByItsPath) {
  const auto problems = problemsOf(
      R"({"confirm_down": -1, "confirm_up": 0, "remind_every": -5, "bogus": 1,
          "receivers": [
            {"name": "ops", "type": "webhook", "url": "ftp://hooks.example/x"},
            {"name": "ops", "type": "slack", "url": "https://hooks.example/y"},
            {"name": "mail", "type": "email", "url": "https://x.example/", "from": "w@x.example",
             "to": ["o@x.example"]},
            {"name": "chat", "type": "slack", "url_env": "WEBMON_UNSET"},
            {"name": "two", "type": "webhook", "url": "https://a.example/", "url_env": "X"},
            {"name": "bad name", "type": "pager", "url": "https://a.example/"}
          ]})",
      R"([{"url": "https://example.com", "alerts": {"receivers": ["ops", "nobody"],
                                                    "confirm_up": 1000}},
          {"url": "https://example.org", "alerts": "no"}])");
  EXPECT_THAT(
      problems,
      UnorderedElementsAre(
          HasSubstr("alerts.confirm_down: must be"), HasSubstr("alerts.confirm_up: must be"),
          HasSubstr("alerts.remind_every: must be"), HasSubstr("alerts.bogus: unknown key"),
          HasSubstr("alerts.receivers[0].url: must be an http:// or https:// URL"),
          HasSubstr("alerts.receivers[1].name: is the name of an earlier receiver"),
          HasSubstr("alerts.receivers[2].url: must be an smtp:// (STARTTLS) or smtps:// (TLS) "
                    "URL"),
          HasSubstr("alerts.receivers[3].url_env: names an environment variable that is "
                    "not set"),
          HasSubstr("alerts.receivers[4]: must have only one of url, url_env and url_file"),
          HasSubstr("alerts.receivers[5].name: must be 1 to 64 letters, digits"),
          HasSubstr("alerts.receivers[5].type: must be webhook, slack or email"),
          HasSubstr("monitored_urls[0].alerts.receivers[1]: names no receiver in "
                    "alerts.receivers (defined: ops, mail, chat, two)"),
          HasSubstr("monitored_urls[0].alerts.confirm_up: must be"),
          HasSubstr("monitored_urls[1].alerts: must be false")));
}

TEST(ConfigAlerts, AnEmailReceiverWithItsPasswordFromTheEnvironment) {
  const auto config = parseConfig(document(R"({"receivers": [{"name": "mail", "type": "email",
                    "url": "smtp://mail.example:587", "from": "webmon@example.com",
                    "to": ["ops@example.com", "oncall@example.com"], "username": "webmon",
                    "password_env": "SMTP_PASSWORD", "ca_file": "/etc/webmon/mail-ca.pem"}]})",
                                           R"([{"url": "https://example.com"}])"),
                                  environment({{"SMTP_PASSWORD", "hunter2"}}));
  ASSERT_EQ(config.alerts.receivers.size(), 1u);
  const auto& mail = config.alerts.receivers[0];
  EXPECT_EQ(mail.type, ReceiverType::Email);
  EXPECT_EQ(mail.url, "smtp://mail.example:587");
  EXPECT_EQ(mail.mail_from, "webmon@example.com");
  EXPECT_THAT(mail.mail_to, ElementsAre("ops@example.com", "oncall@example.com"));
  EXPECT_EQ(mail.username, "webmon");
  EXPECT_EQ(mail.password, "hunter2");
  EXPECT_TRUE(mail.starttls);
  EXPECT_EQ(mail.ca_file, "/etc/webmon/mail-ca.pem");
}

TEST(ConfigAlerts, EmailMistakesAreNamedAndNoPasswordIsWrittenInTheConfig) {
  const auto problems = problemsOf(
      R"({"receivers": [
            {"name": "a", "type": "email", "url": "smtp://m.example", "from": "not an address",
             "to": []},
            {"name": "b", "type": "email", "url": "smtp://m.example", "from": "w@m.example",
             "to": ["o@m.example", "x@y@z"], "username": "w", "password": "hunter2"},
            {"name": "c", "type": "email", "url": "smtp://m.example", "from": "w@m.example",
             "to": ["o@m.example"], "password_env": "PW", "starttls": false},
            {"name": "d", "type": "email", "url": "smtps://u:pw@m.example", "from": "w@m.example",
             "to": ["o@m.example"], "starttls": true, "token_env": "T"},
            {"name": "e", "type": "email", "url": "smtp://m.example"}
          ]})",
      "[]", environment({{"PW", "hunter2"}}));
  EXPECT_THAT(problems,
              UnorderedElementsAre(
                  HasSubstr("alerts.receivers[0].from: must be one mail address"),
                  HasSubstr("alerts.receivers[0].to: must list at least one address"),
                  HasSubstr("alerts.receivers[1].to[1]: must be one mail address"),
                  HasSubstr("alerts.receivers[1].password: would put a secret in the config"),
                  HasSubstr("alerts.receivers[2]: has a password but no username"),
                  HasSubstr("alerts.receivers[2].starttls: must be true when a password is sent"),
                  HasSubstr("alerts.receivers[3].url: must not hold a user name or password"),
                  HasSubstr("alerts.receivers[3].starttls: is for smtp:// URLs"),
                  HasSubstr("alerts.receivers[3].token_env: unknown key"),
                  HasSubstr("alerts.receivers[4].from: is required"),
                  HasSubstr("alerts.receivers[4].to: is required")));
  for (const auto& problem : problems) EXPECT_THAT(problem, Not(HasSubstr("hunter2")));
}

TEST(ConfigAlerts, ASecretUrlIsNotShownInItsError) {
  const auto problems =
      problemsOf(R"({"receivers": [{"name": "c", "type": "slack", "url_env": "HOOK"}]})", "[]",
                 environment({{"HOOK", "gopher://hooks.example/services/s3cret"}}));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("gopher://hooks.example/…"));
  EXPECT_THAT(problems[0], Not(HasSubstr("s3cret")));
}

TEST(ConfigAlerts, FlappingAndMaintenanceWindowsOnceAndWeeklyInATimeZone) {
  const auto config = parseConfig(document(R"({"flapping": {"transitions": 4, "window": 1800},
                   "maintenance": [
                     {"name": "db upgrade", "start": "2026-12-05 22:00", "duration": 7200,
                      "time_zone": "Europe/Berlin", "urls": ["shop"]},
                     {"weekly": {"days": ["sun", "sat", "sun"], "at": "03:00:30"},
                      "duration": 3600}]})",
                                           R"([{"url": "https://shop.example", "name": "shop",
                    "alerts": {"maintenance": [{"start": "2026-12-24T00:00", "duration": 86400}]}},
                   {"url": "https://blog.example", "alerts": {"receivers": []}}])"),
                                  environment({}));
  EXPECT_EQ(config.alerts.flapping, (FlappingRules{4, std::chrono::seconds(1800)}));
  ASSERT_EQ(config.alerts.maintenance.size(), 2u);
  const auto& once = config.alerts.maintenance[0];
  EXPECT_EQ(once.name, "db upgrade");
  EXPECT_EQ(once.start, "2026-12-05T22:00");
  EXPECT_EQ(once.time_zone, "Europe/Berlin");
  EXPECT_EQ(once.duration, std::chrono::seconds(7200));
  EXPECT_THAT(once.urls, ElementsAre("shop"));
  const auto& weekly = config.alerts.maintenance[1];
  EXPECT_THAT(weekly.weekdays, ElementsAre(7, 6));
  EXPECT_EQ(weekly.at, "03:00:30");
  EXPECT_EQ(weekly.time_zone, "UTC");
  EXPECT_TRUE(weekly.urls.empty());
  ASSERT_EQ(config.monitored_urls[0].alerts.maintenance.size(), 1u);
  EXPECT_EQ(config.monitored_urls[0].alerts.maintenance[0].start, "2026-12-24T00:00");
  EXPECT_EQ(parseConfig(document(R"({"flapping": false})", R"([{"url": "https://a.example"}])"),
                        environment({}))
                .alerts.flapping.transitions,
            0);
}

TEST(ConfigAlerts, FlappingAndMaintenanceMistakesAreNamedByTheirPaths) {
  const auto problems = problemsOf(
      R"({"flapping": {"transitions": 1, "window": 10, "size": 3},
          "maintenance": [
            {"start": "2026-13-05T22:00", "duration": 30},
            {"start": "2026-12-05T22:00", "weekly": {"days": ["sun"], "at": "03:00"},
             "duration": 3600},
            {"weekly": {"days": ["sunday"], "at": "25:00"}, "duration": 3600,
             "time_zone": "Mars/Olympus"},
            {"weekly": {"days": [], "at": "01:00"}, "duration": 3600, "urls": ["nowhere"]},
            {"start": "2026-12-05T22:00+01:00", "duration": 3600},
            "sunday"]})",
      R"([{"url": "https://a.example",
           "alerts": {"maintenance": [{"start": "2026-12-05T22:00", "duration": 3600,
                                       "urls": ["x"]}]}}])");
  EXPECT_THAT(
      problems,
      UnorderedElementsAre(
          HasSubstr("alerts.flapping.transitions: must be"),
          HasSubstr("alerts.flapping.window: must be"),
          HasSubstr("alerts.flapping.size: unknown key"),
          HasSubstr("alerts.maintenance[0].start: must be a local date and time"),
          HasSubstr("alerts.maintenance[0].duration: must be"),
          HasSubstr("alerts.maintenance[1]: must have either start (once) or weekly"),
          HasSubstr("alerts.maintenance[2].weekly.days[0]: must be one of mon, tue"),
          HasSubstr("alerts.maintenance[2].weekly.at: must be a time of day"),
          HasSubstr("alerts.maintenance[2].time_zone: must be a time zone name"),
          HasSubstr("alerts.maintenance[3].weekly.days: must name a day"),
          HasSubstr("alerts.maintenance[3].urls[0]: names no url or name in monitored_urls"),
          HasSubstr("alerts.maintenance[4].start: must be a local date and time"),
          HasSubstr("alerts.maintenance[5]: must be an object"),
          HasSubstr("monitored_urls[0].alerts.maintenance[0].urls: unknown key")));
}

TEST(ConfigAlerts, AUrlCannotNameAReceiverWhenNoneIsDefined) {
  EXPECT_THAT(problemsOf("", R"([{"url": "https://e.example", "alerts": {"receivers": ["x"]}}])"),
              ElementsAre(HasSubstr("monitored_urls[0].alerts.receivers[0]: names a receiver, but "
                                    "alerts.receivers defines none")));
}

}  // namespace
}  // namespace webmon::common
