#include "common/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "common/config_error.h"
#include "common/probe_report.h"
#include "tests/support/fake_environment.h"

namespace webmon::common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

EnvLookup noEnvironment() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

using webmon::testing::environment;

std::vector<std::string> problemsOf(const std::string& json,
                                    const EnvLookup& env = noEnvironment()) {
  try {
    parseConfig(json, env);
  } catch (const ConfigError& error) {
    return error.problems();
  }
  return {};
}

const char* kMinimal = R"({
  "kafka": {"bootstrap_servers": ["127.0.0.1:9092"]},
  "monitored_urls": [{"url": "http://127.0.0.1:8080/ok"}]
})";

TEST(Config, MinimalConfigGetsDocumentedDefaults) {
  const Config config = parseConfig(kMinimal, noEnvironment());
  EXPECT_EQ(config.kafka.bootstrapList(), "127.0.0.1:9092");
  EXPECT_EQ(config.kafka.topic, "webmon.reports");
  ASSERT_EQ(config.monitored_urls.size(), 1u);
  const auto& url = config.monitored_urls[0];
  EXPECT_EQ(url.timeout, std::chrono::seconds(10));
  EXPECT_EQ(url.period, std::chrono::seconds(60));
  EXPECT_EQ(url.name, "http://127.0.0.1:8080/ok");
  EXPECT_FALSE(url.follow_redirects);
  EXPECT_EQ(config.producer.queue_limit, 100000u);
  EXPECT_FALSE(config.producer.producer_id.empty());
  EXPECT_EQ(config.consumer.group_id, "webmon-consumer");
  EXPECT_EQ(config.consumer.batch_max_messages, 5000u);
  EXPECT_EQ(config.producer.stats_interval, std::chrono::seconds(60));
  EXPECT_EQ(config.consumer.stats_interval, std::chrono::seconds(60));
  EXPECT_TRUE(config.producer.watch_config);
  EXPECT_EQ(config.db.port, 5432);
}

TEST(Config, ReadsEverySection) {
  const Config config = parseConfig(R"({
    "kafka": {"host": "kafka.internal", "port": 9093, "topic": "probes", "client_id": "c1",
              "ssl_cafile": "/etc/ca.pem", "ssl_certfile": "/etc/c.pem", "ssl_keyfile": "/etc/k.pem",
              "properties": {"linger.ms": 5, "enable.ssl.certificate.verification": true}},
    "db": {"host": "db", "port": 6543, "db_name": "mon", "user": "u", "password": "p",
           "sslmode": "verify-full", "sslrootcert": "/etc/root.crt"},
    "monitored_urls": [{"url": "https://example.test/", "name": "ex", "timeout": 2.5, "period": 30,
                        "follow_redirects": true, "max_redirects": 3, "ca_file": "/etc/ca.pem"}],
    "logging": {"level": "debug", "file": "/var/log/webmon/{service}.log", "max_file_size_mb": 2,
                "max_files": 3, "format": "json"},
    "producer": {"id": "p1", "queue_limit": 50, "max_concurrent_probes": 10, "delivery_timeout": 5,
                 "shutdown_timeout": 3, "stats_interval": 1, "watch_config": false},
    "consumer": {"group_id": "g", "batch_max_messages": 10, "batch_max_wait": 0.25,
                 "session_timeout": 6, "stats_interval": 0.5}
  })",
                                    noEnvironment());
  EXPECT_EQ(config.kafka.bootstrapList(), "kafka.internal:9093");
  EXPECT_EQ(config.kafka.properties.at("linger.ms"), "5");
  EXPECT_EQ(config.kafka.properties.at("enable.ssl.certificate.verification"), "true");
  EXPECT_EQ(config.kafka.ssl_keyfile, "/etc/k.pem");
  EXPECT_EQ(config.db.sslmode, "verify-full");
  EXPECT_EQ(config.monitored_urls[0].timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(config.monitored_urls[0].max_redirects, 3);
  EXPECT_EQ(config.monitored_urls[0].ca_file, "/etc/ca.pem");
  EXPECT_EQ(config.logging.max_file_size_bytes, 2u * 1024 * 1024);
  EXPECT_TRUE(config.logging.json);
  EXPECT_EQ(config.producer.delivery_timeout, std::chrono::seconds(5));
  EXPECT_EQ(config.consumer.batch_max_wait, std::chrono::milliseconds(250));
  EXPECT_EQ(config.producer.stats_interval, std::chrono::seconds(1));
  EXPECT_FALSE(config.producer.watch_config);
  EXPECT_EQ(config.consumer.stats_interval, std::chrono::milliseconds(500));
}

// kafka.create_topic: unset means "a missing topic is a setup error"; true takes the
// defaults; an object says how. min.insync.replicas=2 comes with a replication factor of 3.
TEST(Config, CreateTopicIsOffByDefaultAndTakesDefaultsOrASpec) {
  EXPECT_FALSE(parseConfig(kMinimal, noEnvironment()).kafka.create_topic);
  auto with = [](const std::string& value) {
    return parseConfig(R"({"kafka": {"bootstrap_servers": ["k:9092"], "create_topic": )" + value +
                           R"(}, "monitored_urls": [{"url": "http://127.0.0.1/"}]})",
                       noEnvironment())
        .kafka.create_topic;
  };
  EXPECT_FALSE(with("false"));
  const auto defaults = with("true");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->partitions, 6);
  EXPECT_EQ(defaults->replication_factor, 3);
  EXPECT_EQ(defaults->config, (std::map<std::string, std::string>{{"min.insync.replicas", "2"}}));
  const auto single =
      with(R"({"partitions": 2, "replication_factor": 1, "config": {"retention.ms": 3600000}})");
  ASSERT_TRUE(single);
  EXPECT_EQ(single->partitions, 2);
  EXPECT_EQ(single->replication_factor, 1);
  EXPECT_EQ(single->config, (std::map<std::string, std::string>{{"retention.ms", "3600000"}}));
}

TEST(Config, CreateTopicRulesNameTheirPath) {
  auto problems = [](const std::string& value) {
    return problemsOf(R"({"kafka": {"bootstrap_servers": ["k:9092"], "create_topic": )" + value +
                      R"(}, "monitored_urls": [{"url": "http://127.0.0.1/"}]})");
  };
  EXPECT_THAT(problems("6"), ElementsAre(HasSubstr("kafka.create_topic: must be true, false or")));
  EXPECT_THAT(problems(R"({"partitions": 0})"),
              ElementsAre(HasSubstr("kafka.create_topic.partitions: must be")));
  EXPECT_THAT(problems(R"({"replicas": 3})"),
              ElementsAre(HasSubstr("kafka.create_topic.replicas: unknown key")));
  EXPECT_THAT(problems(R"({"replication_factor": 3, "config": {"min.insync.replicas": "4"}})"),
              ElementsAre(HasSubstr("min.insync.replicas\"]: must be a whole number from 1 to "
                                    "replication_factor (3), got \"4\"")));
  EXPECT_THAT(problems(R"({"config": {"retention.ms": [1]}})"),
              ElementsAre(HasSubstr("must be a string, whole number or boolean")));
}

TEST(Config, RetentionHasDefaultsAndTakesDaysWithZeroForEver) {
  const Config defaults = parseConfig(kMinimal, noEnvironment());
  EXPECT_EQ(defaults.retention.reports_days, 30);
  EXPECT_EQ(defaults.retention.hourly_days, 90);
  EXPECT_EQ(defaults.retention.daily_days, 0);
  const Config config = parseConfig(
      R"({"kafka": {"bootstrap_servers": ["k:9092"]}, "monitored_urls": [],
          "retention": {"reports_days": 7, "hourly_days": 0, "daily_days": 0}})",
      noEnvironment());
  EXPECT_EQ(config.retention.reports_days, 7);
  EXPECT_EQ(config.retention.hourly_days, 0);
}

TEST(Config, RetentionRulesNameTheirPath) {
  auto retention = [](const std::string& section) {
    return problemsOf(
        R"({"kafka": {"bootstrap_servers": ["k:9092"]}, "monitored_urls": [], "retention": )" +
        section + "}");
  };
  EXPECT_THAT(retention(R"({"reports_days": 120})"),
              ElementsAre(HasSubstr("retention.reports_days: retention.hourly_days (90) must be 0 "
                                    "(for ever) or at least retention.reports_days (120)")));
  EXPECT_THAT(retention(R"({"reports_days": 60})"), ElementsAre());
  EXPECT_THAT(retention(R"({"hourly_days": 100, "daily_days": 30})"),
              ElementsAre(HasSubstr("retention.daily_days: retention.daily_days (30) must be 0")));
  EXPECT_THAT(
      retention(R"({"reports_days": 0})"),  // raw rows for ever: the rollups too
      ElementsAre(HasSubstr("retention.reports_days: retention.hourly_days (90) must be 0 "
                            "(for ever) or at least retention.reports_days (0: for ever)")));
  EXPECT_THAT(retention(R"({"reports_days": -1})"),
              ElementsAre(HasSubstr("retention.reports_days")));
  EXPECT_THAT(retention(R"({"raw_days": 3})"), ElementsAre(HasSubstr("retention.raw_days")));
}

TEST(Config, ProbeUrlsKnowTheirHostAndPort) {
  const Config config = parseConfig(R"({"kafka": {"bootstrap_servers": ["k:9092"]},
    "monitored_urls": [{"url": "http://Example.test/a"}, {"url": "https://user:pw@example.test/"},
                       {"url": "http://[::1]:8080/"}, {"type": "tcp", "url": "tcp://db.test:5432"},
                       {"type": "dns", "url": "dns://example.test"}]})",
                                    noEnvironment());
  auto endpoint = [&](std::size_t i) {
    return config.monitored_urls[i].host + " " + std::to_string(config.monitored_urls[i].port);
  };
  EXPECT_EQ(endpoint(0), "Example.test 80");
  EXPECT_EQ(endpoint(1), "example.test 443");
  EXPECT_EQ(endpoint(2), "[::1] 8080");
  EXPECT_EQ(endpoint(3), "db.test 5432");
  EXPECT_EQ(endpoint(4), " 0");  // dns probes ask a DNS server, they connect nowhere
}

TEST(Config, StatsIntervalMustBePositive) {
  const auto problems = problemsOf(R"({
    "kafka": {"bootstrap_servers": ["127.0.0.1:9092"]},
    "monitored_urls": [{"url": "http://127.0.0.1:8080/ok"}],
    "producer": {"stats_interval": 0},
    "consumer": {"stats_interval": -5}
  })");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0], HasSubstr("producer.stats_interval"));
  EXPECT_THAT(problems[1], HasSubstr("consumer.stats_interval"));
}

TEST(Config, DegradedAfterMustBeBelowTheTimeout) {
  const Config config = parseConfig(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"url": "http://a/", "timeout": 2, "degraded_after_ms": 500}]})",
                                    noEnvironment());
  EXPECT_EQ(config.monitored_urls[0].degraded_after, std::chrono::milliseconds(500));
  EXPECT_THAT(problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"url": "http://a/", "timeout": 2, "degraded_after_ms": 2000},
      {"url": "http://b/", "degraded_after_ms": 0}]})"),
              ElementsAre(HasSubstr("monitored_urls[0].degraded_after_ms: must be less than "
                                    "timeout (2000 ms)"),
                          HasSubstr("monitored_urls[1].degraded_after_ms")));
}

TEST(Config, HttpChecksAreReadAndValidated) {
  const Config config = parseConfig(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"url": "http://a/", "expected_status": [200, "300-302"], "regexp": "ok|fine",
       "max_body_bytes": 1000, "method": "POST", "headers": {"X-Token": "t"}, "body": "{}",
       "verify_tls": false}]})",
                                    noEnvironment());
  const auto& url = config.monitored_urls[0];
  EXPECT_EQ(url.expected_status, (std::vector<StatusRange>{{200, 200}, {300, 302}}));
  ASSERT_TRUE(url.regexp);
  EXPECT_TRUE(url.regexp->search("all fine here"));
  EXPECT_FALSE(url.regexp->search("down"));
  EXPECT_EQ(url.max_body_bytes, 1000u);
  EXPECT_EQ(url.method, "POST");
  EXPECT_EQ(url.headers, (std::vector<std::pair<std::string, std::string>>{{"X-Token", "t"}}));
  EXPECT_EQ(url.body, "{}");
  EXPECT_FALSE(url.verify_tls);

  const auto problems = problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"url": "http://a/", "expected_status": [99, "300-200", "2xx"]},
      {"url": "http://b/", "regexp": "(unclosed"},
      {"url": "http://c/", "method": "FETCH", "headers": {"Bad Name": "x", "X-Ok": 5}},
      {"url": "http://d/", "method": "HEAD", "regexp": "x"},
      {"url": "http://e/", "expected_status": []}]})");
  ASSERT_EQ(problems.size(), 9u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems[0],
              HasSubstr("monitored_urls[0].expected_status[0]: must be a status code"));
  EXPECT_THAT(problems[1], HasSubstr("monitored_urls[0].expected_status[1]"));
  EXPECT_THAT(problems[2], HasSubstr("monitored_urls[0].expected_status[2]"));
  EXPECT_THAT(problems[3],
              HasSubstr("monitored_urls[1].regexp: not a valid regular expression: missing closing "
                        "parenthesis at offset 9"));
  EXPECT_THAT(problems[4], HasSubstr("monitored_urls[2].method: must be one of GET"));
  EXPECT_THAT(problems[5],
              HasSubstr(R"(monitored_urls[2].headers["Bad Name"]: is not a valid header)"));
  EXPECT_THAT(problems[6], HasSubstr(R"(monitored_urls[2].headers["X-Ok"]: must be a string)"));
  EXPECT_THAT(problems[7],
              HasSubstr("monitored_urls[3].regexp: cannot be checked with method HEAD"));
  EXPECT_THAT(problems[8], HasSubstr("monitored_urls[4].expected_status: must list at least one"));
}

TEST(Config, TcpAndTlsProbesTakeHostAndPortAndNoHttpSettings) {
  const Config config = parseConfig(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"type": "tcp", "url": "tcp://db.internal:5432"},
      {"type": "tls", "url": "tls://mail.example.com:465", "min_cert_days": 14,
       "expiring_cert": "down"}]})",
                                    noEnvironment());
  EXPECT_EQ(config.monitored_urls[0].type, ProbeType::Tcp);
  EXPECT_EQ(config.monitored_urls[1].type, ProbeType::Tls);
  EXPECT_EQ(config.monitored_urls[1].min_cert_days, 14);
  EXPECT_TRUE(config.monitored_urls[1].expiring_cert_is_down);
  const auto problems = problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"type": "tcp", "url": "tcp://db.internal"},
      {"type": "tls", "url": "https://mail.example.com:465/"},
      {"type": "tcp", "url": "tcp://h:1", "method": "POST"},
      {"type": "ping", "url": "http://a/"},
      {"url": "tcp://h:1"}]})");
  ASSERT_EQ(problems.size(), 5u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems[0],
              HasSubstr("monitored_urls[0].url: must be tcp://host:port for type tcp"));
  EXPECT_THAT(problems[1],
              HasSubstr("monitored_urls[1].url: must be tls://host:port for type tls"));
  EXPECT_THAT(problems[2], HasSubstr("monitored_urls[2].method: applies to type http only"));
  EXPECT_THAT(problems[3], HasSubstr("monitored_urls[3].type: must be http, tcp, tls or dns"));
  EXPECT_THAT(problems[4], HasSubstr("monitored_urls[4].url: must start with http:// or https://"));
}

TEST(Config, DnsProbesNameARecordTypeAnExpectedAnswerAndAServer) {
  const Config config = parseConfig(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"type": "dns", "url": "dns://example.test"},
      {"type": "dns", "url": "dns://example.test.", "record": "mx", "expect": "10 mail.example.test",
       "dns_server": "127.0.0.1:5353"},
      {"type": "dns", "url": "dns://v6.example.test", "record": "AAAA", "dns_server": "[::1]:53"}]})",
                                    noEnvironment());
  const auto& urls = config.monitored_urls;
  EXPECT_EQ(urls[0].type, ProbeType::Dns);
  EXPECT_EQ(urls[0].dns_record, DnsRecord::A);
  EXPECT_EQ(urls[0].dns_server, "");
  EXPECT_EQ(urls[1].dns_record, DnsRecord::MX);
  EXPECT_EQ(urls[1].dns_expect, "10 mail.example.test");
  EXPECT_EQ(urls[1].dns_server, "127.0.0.1:5353");
  EXPECT_EQ(urls[2].dns_record, DnsRecord::AAAA);
  const auto problems = problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"type": "dns", "url": "dns://example.test:53"},
      {"type": "dns", "url": "dns://a.test", "record": "SRV"},
      {"type": "dns", "url": "dns://b.test", "dns_server": "resolver.example:53"},
      {"type": "dns", "url": "dns://c.test", "dns_server": "127.0.0.1:99999"},
      {"type": "dns", "url": "dns://d.test", "verify_tls": false},
      {"url": "http://e.test/", "record": "A"}]})");
  ASSERT_EQ(problems.size(), 6u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems[0], HasSubstr("monitored_urls[0].url: must be dns://name for type dns"));
  EXPECT_THAT(problems[1],
              HasSubstr("monitored_urls[1].record: must be one of A, AAAA, CNAME, MX or TXT"));
  EXPECT_THAT(problems[2], HasSubstr("monitored_urls[2].dns_server: must be an IP address"));
  EXPECT_THAT(problems[3], HasSubstr("monitored_urls[3].dns_server: must be an IP address"));
  EXPECT_THAT(problems[4], HasSubstr("monitored_urls[4].verify_tls: does not apply to type dns"));
  EXPECT_THAT(problems[5], HasSubstr("monitored_urls[5].record: applies to type dns only"));
}

TEST(Config, TcpAndTlsProbesMaySendAPayloadAndExpectARegexp) {
  const Config config = parseConfig(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"type": "tcp", "url": "tcp://redis.internal:6379", "send": "PING\r\n", "regexp": "^\\+PONG",
       "max_body_bytes": 512},
      {"type": "tls", "url": "tls://mail.example.com:465", "regexp": "^220 "}]})",
                                    noEnvironment());
  EXPECT_EQ(config.monitored_urls[0].send, "PING\r\n");
  ASSERT_TRUE(config.monitored_urls[0].regexp);
  EXPECT_EQ(config.monitored_urls[0].regexp->pattern(), "^\\+PONG");
  EXPECT_EQ(config.monitored_urls[0].max_body_bytes, 512u);
  EXPECT_TRUE(config.monitored_urls[1].regexp);
  const auto problems = problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"url": "http://a/", "send": "x"},
      {"type": "dns", "url": "dns://b.test", "regexp": "x"}]})");
  ASSERT_EQ(problems.size(), 2u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems[0], HasSubstr("monitored_urls[0].send: applies to types tcp and tls only"));
  EXPECT_THAT(problems[1],
              HasSubstr("monitored_urls[1].regexp: does not apply to type dns (see expect)"));
}

TEST(Config, AttemptsMustFitInThePeriod) {
  const Config config = parseConfig(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"url": "http://a/", "timeout": 2, "period": 10, "attempts": 3, "attempt_spacing": 0.5},
      {"url": "http://b/"}]})",
                                    noEnvironment());
  EXPECT_EQ(config.monitored_urls[0].attempts, 3);
  EXPECT_EQ(config.monitored_urls[0].attempt_spacing, std::chrono::milliseconds(500));
  EXPECT_EQ(config.monitored_urls[1].attempts, 1);
  const auto problems = problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"url": "http://a/", "timeout": 10, "period": 30, "attempts": 3, "attempt_spacing": 1},
      {"url": "http://b/", "attempts": 0},
      {"url": "http://c/", "attempt_spacing": 2}]})");
  ASSERT_EQ(problems.size(), 3u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems[0],
              HasSubstr("monitored_urls[0].attempts: with timeout 10 and attempt_spacing 1 the "
                        "attempts may take 32 s: must fit in period (30)"));
  EXPECT_THAT(problems[1], HasSubstr("monitored_urls[1].attempts"));
  EXPECT_THAT(problems[2], HasSubstr("monitored_urls[2].attempt_spacing: needs attempts"));
}

TEST(Config, MetricsListenIsHostPortOrEmpty) {
  const Config defaults = parseConfig(kMinimal, noEnvironment());
  EXPECT_EQ(defaults.producer.metrics_listen, "127.0.0.1:9101");
  EXPECT_EQ(defaults.consumer.metrics_listen, "127.0.0.1:9102");
  EXPECT_EQ(defaults.producer.health_grace, std::chrono::seconds(30));
  const Config set = parseConfig(R"({
    "kafka": {"bootstrap_servers": ["127.0.0.1:9092"]},
    "monitored_urls": [{"url": "http://127.0.0.1:8080/ok"}],
    "producer": {"metrics_listen": "", "health_grace": 5},
    "consumer": {"metrics_listen": "0.0.0.0:0"}
  })",
                                 noEnvironment());
  EXPECT_EQ(set.producer.metrics_listen, "");
  EXPECT_EQ(set.producer.health_grace, std::chrono::seconds(5));
  EXPECT_EQ(set.consumer.metrics_listen, "0.0.0.0:0");
  const auto problems = problemsOf(R"({
    "kafka": {"bootstrap_servers": ["127.0.0.1:9092"]},
    "monitored_urls": [{"url": "http://127.0.0.1:8080/ok"}],
    "producer": {"metrics_listen": "9101"},
    "consumer": {"metrics_listen": "127.0.0.1:70000", "health_grace": 0}
  })");
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_THAT(problems[0], HasSubstr("producer.metrics_listen: must be host:port"));
  EXPECT_THAT(problems[1], HasSubstr("consumer.metrics_listen: must be host:port"));
  EXPECT_THAT(problems[2], HasSubstr("consumer.health_grace"));
}

TEST(Config, StatusListenAndGroupsForTheStatusPage) {
  const Config defaults = parseConfig(kMinimal, noEnvironment());
  EXPECT_EQ(defaults.consumer.status_listen, "127.0.0.1:8080");
  EXPECT_EQ(defaults.monitored_urls[0].group, "");
  const Config set = parseConfig(R"({
    "kafka": {"bootstrap_servers": ["127.0.0.1:9092"]},
    "monitored_urls": [{"url": "http://127.0.0.1:8080/ok", "group": "Shop"}],
    "consumer": {"status_listen": ""}
  })",
                                 noEnvironment());
  EXPECT_EQ(set.consumer.status_listen, "");
  EXPECT_EQ(set.monitored_urls[0].group, "Shop");
  const auto problems = problemsOf(R"({
    "kafka": {"bootstrap_servers": ["127.0.0.1:9092"]},
    "monitored_urls": [{"url": "http://127.0.0.1:8080/ok", "group": ""}],
    "consumer": {"status_listen": "8080"}
  })");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0], HasSubstr("monitored_urls[0].group"));
  EXPECT_THAT(problems[1], HasSubstr("consumer.status_listen: must be host:port"));
}

TEST(Config, PeriodNotGreaterThanTimeoutNamesPathRuleAndValue) {
  EXPECT_THAT(problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [
      {"url": "http://a/"}, {"url": "http://b/"}, {"url": "http://c/"},
      {"url": "http://d/", "timeout": 10, "period": 5}]})"),
              ElementsAre("monitored_urls[3].period: must be greater than timeout (10), got 5"));
}

// The issue's acceptance case: five different mistakes, five path-named messages, all at once.
TEST(Config, ReportsEveryProblemAtOnce) {
  const auto problems = problemsOf(R"({
    "kafka": {"bootstrap_servers": ["no-port-here"]},
    "db": {"port": 70000},
    "monitored_urls": [
      {"url": "ftp://files.example/"},
      {"url": "http://ok.example/", "timeout": -1},
      {"url": "http://ok.example/"}
    ],
    "loging": {}
  })");
  EXPECT_THAT(problems,
              ElementsAre(HasSubstr("loging: unknown key"),
                          "kafka.bootstrap_servers[0]: must be host:port, got \"no-port-here\"",
                          "db.port: must be between 1 and 65535, got 70000",
                          "monitored_urls[0].url: must start with http:// or https://, got "
                          "\"ftp://files.example/\"",
                          "monitored_urls[1].timeout: must be greater than 0 seconds, got -1",
                          "monitored_urls[2].url: duplicates monitored_urls[1].url, got "
                          "\"http://ok.example/\""));
}

TEST(Config, RejectsUnknownKeysBecauseTheyAreUsuallyTypos) {
  EXPECT_THAT(problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]},
                             "monitored_urls": [{"url": "http://a/", "perod": 30}]})"),
              ElementsAre(HasSubstr("monitored_urls[0].perod: unknown key (allowed here: url,")));
}

TEST(Config, RequiresKafkaAndUrls) {
  EXPECT_THAT(problemsOf("{}"), ElementsAre("kafka: is required", "monitored_urls: is required"));
}

TEST(Config, WrongTypesAreNamed) {
  EXPECT_THAT(problemsOf(R"({"kafka": {"bootstrap_servers": "k:1"},
                             "monitored_urls": [{"url": 5, "follow_redirects": "yes"}, 7]})"),
              ElementsAre("kafka.bootstrap_servers: must be an array, got a string",
                          "monitored_urls[0].url: must be a string, got 5",
                          "monitored_urls[0].follow_redirects: must be true or false, got \"yes\"",
                          "monitored_urls[1]: must be an object with at least a \"url\", got 7"));
}

TEST(Config, TimeoutAtOrAboveDefaultPeriodNeedsAPeriod) {
  EXPECT_THAT(problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]},
                             "monitored_urls": [{"url": "http://a/", "timeout": 60}]})"),
              ElementsAre("monitored_urls[0].timeout: must be less than period (default 60), "
                          "got 60"));
}

TEST(Config, InvalidJsonSaysWhere) {
  EXPECT_THAT(problemsOf("{\n  \"kafka\": {,\n}"),
              ElementsAre(HasSubstr("not valid JSON at line 2, column 13")));
}

TEST(Config, InvalidUtf8IsAConfigErrorNotACrash) {
  EXPECT_THAT(problemsOf("{\"kafka\": {\"topic\": \"\xff\xfe\"}}"),
              ElementsAre(HasSubstr("not valid JSON")));
}

TEST(Config, TopLevelMustBeAnObject) {
  EXPECT_THAT(problemsOf("[1, 2]"), ElementsAre(HasSubstr("must be a JSON object")));
}

TEST(Config, BootstrapListOrHostPortButNotBoth) {
  EXPECT_THAT(problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"], "host": "k", "port": 1},
                             "monitored_urls": []})"),
              ElementsAre("kafka.host: give either bootstrap_servers or host + port, not both"));
}

TEST(Config, SecretsComeFromTheEnvironment) {
  const Config config = parseConfig(
      R"({"kafka": {"bootstrap_servers": ["k:1"]}, "db": {"password": "in-file"},
          "monitored_urls": []})",
      environment({{"WEBMON_DB_PASSWORD", "from-env"},
                   {"WEBMON_KAFKA_SASL_PASSWORD", "sasl-secret"},
                   {"WEBMON_KAFKA_BOOTSTRAP_SERVERS", "a:1,b:2"}}));
  EXPECT_EQ(config.db.password, "from-env");
  EXPECT_EQ(config.kafka.properties.at("sasl.password"), "sasl-secret");
  EXPECT_EQ(config.kafka.bootstrapList(), "a:1,b:2");
}

TEST(Config, BootstrapFromEnvironmentAloneIsEnough) {
  const Config config = parseConfig(R"({"kafka": {}, "monitored_urls": []})",
                                    environment({{"WEBMON_KAFKA_BOOTSTRAP_SERVERS", "a:1"}}));
  EXPECT_EQ(config.kafka.bootstrapList(), "a:1");
}

TEST(Config, PasswordOfWrongTypeIsNotEchoed) {
  const auto problems = problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]},
                                       "db": {"password": 123456789}, "monitored_urls": []})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "db.password: must be a string");
}

TEST(Config, VerifyFullNeedsARootCertificate) {
  EXPECT_THAT(problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]},
                             "db": {"sslmode": "verify-full"}, "monitored_urls": []})"),
              ElementsAre("db.sslrootcert: is required when sslmode is verify-full"));
}

TEST(DbConfig, ConnectionStringQuotesValuesAndDescribeHidesThePassword) {
  DbConfig db;
  db.host = "db.local";
  db.password = "it's \\ secret";
  const std::string text = db.connectionString();
  EXPECT_THAT(text, HasSubstr("host='db.local'"));
  EXPECT_THAT(text, HasSubstr("password='it\\'s \\\\ secret'"));
  EXPECT_THAT(db.describe(), ::testing::Not(HasSubstr("secret")));
}

TEST(MaskPassword, CoversKeyValueAndUriForms) {
  EXPECT_EQ(maskPassword("host=a password=hunter2 user=b"), "host=a password=*** user=b");
  EXPECT_EQ(maskPassword("host=a password='two words' user=b"), "host=a password=*** user=b");
  EXPECT_EQ(maskPassword("postgresql://me:hunter2@db:5432/x"), "postgresql://me:***@db:5432/x");
  EXPECT_EQ(maskPassword("postgresql://db/x?password=hunter2&sslmode=require"),
            "postgresql://db/x?password=***&sslmode=require");
}

}  // namespace
}  // namespace webmon::common

namespace webmon::common {
namespace {

TEST(Config, OddKeysAreQuotedInPathsSoTheyCannotBeMisread) {
  EXPECT_THAT(problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [],
                             "producer": {"queue limit": 5, "a.b": 1}})"),
              ElementsAre(HasSubstr("producer[\"a.b\"]: unknown key"),
                          HasSubstr("producer[\"queue limit\"]: unknown key")));
}

}  // namespace
}  // namespace webmon::common

namespace webmon::common {
namespace {

// Found by the config loader fuzzer.
TEST(Config, NumberTooLargeForADoubleIsAConfigError) {
  EXPECT_THAT(problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]}, "monitored_urls": [],
                             "producer": {"queue_limit": 8e888888}})"),
              ElementsAre(HasSubstr("not valid JSON at line 1, column 1: number overflow")));
}

}  // namespace
}  // namespace webmon::common

namespace webmon::common {
namespace {

// The producer must never make a report the consumer would reject.
TEST(Config, UrlLongerThanAReportMayCarryIsRejected) {
  const std::string url = "http://h/" + std::string(kMaxUrlLength, 'a');
  EXPECT_THAT(problemsOf(R"({"kafka": {"bootstrap_servers": ["k:1"]},
                             "monitored_urls": [{"url": ")" +
                         url + R"("}]})"),
              ElementsAre(HasSubstr("monitored_urls[0].url: must be at most 2048 characters")));
}

// As web-monitor's config writes them: ports as strings of digits, values left "" to fill in
// (the defaults then), a trailing comma. Anything that is not a port is still an error.
TEST(Config, PortsMayBeStringsOfDigitsAndEmptyValuesKeepTheDefaults) {
  const Config config = parseConfig(R"({
    "kafka": {"host": "127.0.0.1", "port": "19071", "topic": ""},
    "db": {"host": "db", "port": "19069", "db_name": "", "user": "", "password": "",},
    "monitored_urls": [{"url": "http://127.0.0.1/"},]
  })",
                                    noEnvironment());
  EXPECT_EQ(config.kafka.bootstrapList(), "127.0.0.1:19071");
  EXPECT_EQ(config.kafka.topic, "webmon.reports");
  EXPECT_EQ(config.db.port, 19069);
  EXPECT_EQ(config.db.db_name, "webmon");
  EXPECT_EQ(config.db.user, "webmon");
  for (const std::string port :
       {R"("19071x")", R"("")", R"("0")", R"("65536")", R"(" 80")", R"("-1")", R"("123456")"}) {
    EXPECT_THAT(
        problemsOf(R"({"kafka": {"host": "k", "port": )" + port + R"(}, "monitored_urls": []})"),
        ElementsAre(HasSubstr("kafka.port: must be a port from 1 to 65535")))
        << port;
  }
  EXPECT_THAT(problemsOf(R"({"kafka": {"host": "k", "port": 1}, "db": {"port": 0.5},
                            "monitored_urls": []})"),
              ElementsAre(HasSubstr("db.port: must be a whole number")));
}

}  // namespace
}  // namespace webmon::common
