#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "common/config.h"
#include "common/kafka_client.h"

namespace webmon::common {
namespace {

using ::testing::HasSubstr;

std::string property(rd_kafka_conf_t* conf, const char* name) {
  char value[512] = {};
  std::size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) return "<unset>";
  return value;
}

Config fromJson(const std::string& kafka_json, std::map<std::string, std::string> env = {}) {
  return parseConfig(
      R"({"kafka": )" + kafka_json + R"(, "monitored_urls": [{"url": "http://127.0.0.1:1/"}]})",
      [env](const std::string& name) -> std::optional<std::string> {
        auto found = env.find(name);
        if (found == env.end()) return std::nullopt;
        return found->second;
      });
}

TEST(KafkaConf, SeedStyleTlsFilesTurnOnSsl) {
  const auto config = fromJson(R"({"host": "kafka.internal", "port": 9093,
      "ssl_cafile": "/etc/webmon/kafka-ca.pem", "ssl_certfile": "/etc/webmon/client.pem",
      "ssl_keyfile": "/etc/webmon/client.key"})",
                               {{"WEBMON_KAFKA_SSL_KEY_PASSWORD", "key-secret"}});
  const auto conf = makeKafkaConf(config.kafka, {});
  EXPECT_EQ(property(conf.get(), "bootstrap.servers"), "kafka.internal:9093");
  EXPECT_EQ(property(conf.get(), "security.protocol"), "ssl");
  EXPECT_EQ(property(conf.get(), "ssl.ca.location"), "/etc/webmon/kafka-ca.pem");
  EXPECT_EQ(property(conf.get(), "ssl.certificate.location"), "/etc/webmon/client.pem");
  EXPECT_EQ(property(conf.get(), "ssl.key.location"), "/etc/webmon/client.key");
  EXPECT_EQ(property(conf.get(), "ssl.key.password"), "key-secret");
}

// SASL_SSL with SCRAM or PLAIN, the password from the environment: librdkafka accepts the
// settings and, more to the point, this build of it can create a client with them (it would
// refuse if it had been built without SASL or SSL support).
TEST(KafkaConf, SaslSslWithScramOrPlainCreatesAClient) {
  for (const char* mechanism : {"SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"}) {
    const auto config = fromJson(std::string(R"({"bootstrap_servers": ["127.0.0.1:1"],
        "properties": {"security.protocol": "SASL_SSL", "sasl.mechanisms": ")") +
                                     mechanism + R"(", "sasl.username": "webmon"}})",
                                 {{"WEBMON_KAFKA_SASL_PASSWORD", "sasl-secret"}});
    auto conf = makeKafkaConf(config.kafka, {});
    EXPECT_EQ(property(conf.get(), "security.protocol"), "sasl_ssl") << mechanism;
    EXPECT_EQ(property(conf.get(), "sasl.mechanisms"), mechanism);
    EXPECT_EQ(property(conf.get(), "sasl.password"), "sasl-secret");
    EXPECT_NO_THROW(makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf))) << mechanism;
  }
}

TEST(KafkaConf, AMistypedPropertyIsRefusedByName) {
  const auto config = fromJson(
      R"({"bootstrap_servers": ["127.0.0.1:1"], "properties": {"sasl.mechanismz": "PLAIN"}})");
  try {
    makeKafkaConf(config.kafka, {});
    FAIL() << "accepted sasl.mechanismz";
  } catch (const KafkaError& error) {
    EXPECT_THAT(error.what(), HasSubstr("sasl.mechanismz"));
  }
  const auto bad_protocol = fromJson(
      R"({"bootstrap_servers": ["127.0.0.1:1"], "properties": {"security.protocol": "tls"}})");
  EXPECT_THROW(makeKafkaConf(bad_protocol.kafka, {}), KafkaError);
}

}  // namespace
}  // namespace webmon::common
