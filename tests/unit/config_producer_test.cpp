// The producer section: who the producer is (region, group) and how it shares its targets.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config.h"
#include "common/config_error.h"

namespace webmon::common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

EnvLookup noEnvironment() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

// A config whose producer section is `producer` (a JSON object's inside).
std::string withProducer(const std::string& producer) {
  return R"({"kafka": {"bootstrap_servers": ["k:9092"]}, "producer": {)" + producer +
         R"(}, "monitored_urls": [{"url": "http://127.0.0.1/"}]})";
}

std::vector<std::string> problemsOf(const std::string& json) {
  try {
    parseConfig(json, noEnvironment());
  } catch (const ConfigError& error) {
    return error.problems();
  }
  return {};
}

TEST(ProducerConfig, DnsCacheIsOnByDefaultAndABoolean) {
  EXPECT_TRUE(parseConfig(withProducer(""), noEnvironment()).producer.dns_cache);
  EXPECT_THAT(problemsOf(withProducer(R"("dns_cache": "no")")),
              ElementsAre(HasSubstr("producer.dns_cache: must be true or false")));
}

TEST(ProducerConfig, RegionIsOptionalAndAShortName) {
  EXPECT_EQ(parseConfig(withProducer(""), noEnvironment()).producer.region, "");
  EXPECT_EQ(
      parseConfig(withProducer(R"("region": "eu-west.2_b")"), noEnvironment()).producer.region,
      "eu-west.2_b");
  for (const auto* bad : {R"("eu west")", R"("eu/west")", R"("ü")"}) {
    EXPECT_THAT(problemsOf(withProducer(std::string(R"("region": )") + bad)),
                ElementsAre(HasSubstr("producer.region: must be 1 to 64 letters, digits")))
        << bad;
  }
  EXPECT_THAT(problemsOf(withProducer(R"("region": ")" + std::string(65, 'a') + '"')),
              ElementsAre(HasSubstr("producer.region: must be 1 to 64")));
  EXPECT_THAT(problemsOf(withProducer(R"("region": 3)")),
              ElementsAre(HasSubstr("producer.region: must be a string")));
}

TEST(ProducerConfig, NoGroupByDefaultSoTheProducerProbesEveryUrl) {
  const auto producer = parseConfig(withProducer(""), noEnvironment()).producer;
  EXPECT_EQ(producer.group, "");
  EXPECT_EQ(producer.group_topic, "webmon.coordination");
  EXPECT_EQ(producer.group_partitions, 60);
  EXPECT_EQ(producer.group_session_timeout, std::chrono::seconds(10));
}

TEST(ProducerConfig, AGroupTakesItsTopicPartitionsAndSessionTimeout) {
  const auto producer =
      parseConfig(withProducer(R"("group": "probes-1", "group_topic": "ops.webmon-members",
                                  "group_partitions": 12, "group_session_timeout": 6.5)"),
                  noEnvironment())
          .producer;
  EXPECT_EQ(producer.group, "probes-1");
  EXPECT_EQ(producer.group_topic, "ops.webmon-members");
  EXPECT_EQ(producer.group_partitions, 12);
  EXPECT_EQ(producer.group_session_timeout, std::chrono::milliseconds(6500));
}

TEST(ProducerConfig, BadGroupSettingsAreNamedByPath) {
  EXPECT_THAT(problemsOf(withProducer(R"("group": "my probes")")),
              ElementsAre(HasSubstr("producer.group: must be 1 to 64 letters, digits")));
  EXPECT_THAT(problemsOf(withProducer(R"("group_topic": "a/b")")),
              ElementsAre(HasSubstr("producer.group_topic: must be a Kafka topic name")));
  EXPECT_THAT(problemsOf(withProducer(R"("group_topic": "..")")),
              ElementsAre(HasSubstr("producer.group_topic: must be a Kafka topic name")));
  EXPECT_THAT(problemsOf(withProducer(R"("group_partitions": 0)")),
              ElementsAre(HasSubstr("producer.group_partitions")));
  EXPECT_THAT(problemsOf(withProducer(R"("group_session_timeout": 0.5)")),
              ElementsAre(HasSubstr("producer.group_session_timeout: must be at least 1 second")));
  EXPECT_THAT(problemsOf(withProducer(R"("groups": "x")")),
              ElementsAre(HasSubstr("producer.groups")));
}

}  // namespace
}  // namespace webmon::common
