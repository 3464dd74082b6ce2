#include "common/kafka_client.h"

#include <spdlog/spdlog.h>

namespace webmon::common {
namespace {

// librdkafka uses syslog levels; map them onto spdlog's. Its LOG_ERR lines are mostly
// connection failures it recovers from by itself, which is a warning in our terms (the services
// log their own error when data is at risk).
void logToSpdlog(const rd_kafka_t*, int level, const char* facility, const char* message) {
  spdlog::level::level_enum spd_level = spdlog::level::debug;
  if (level <= 2) {
    spd_level = spdlog::level::err;
  } else if (level <= 4) {
    spd_level = spdlog::level::warn;
  } else if (level <= 6) {
    spd_level = spdlog::level::info;
  }
  spdlog::log(spd_level, "librdkafka {}: {}", facility, message);
}

void setProperty(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
      RD_KAFKA_CONF_OK) {
    throw KafkaError("property \"" + key + "\" refused by librdkafka: " + error);
  }
}

}  // namespace

RdKafkaConfPtr makeKafkaConf(const KafkaConfig& config,
                             const std::map<std::string, std::string>& defaults) {
  RdKafkaConfPtr conf{rd_kafka_conf_new()};
  setProperty(conf.get(), "bootstrap.servers", config.bootstrapList());
  setProperty(conf.get(), "client.id", config.client_id);
  // Throttled, capped reconnects: 100 ms doubling up to 3 s (librdkafka adds jitter). The cap
  // bounds how long after a broker's return we notice it; one TCP connect every 3 s is cheap.
  setProperty(conf.get(), "reconnect.backoff.ms", "100");
  setProperty(conf.get(), "reconnect.backoff.max.ms", "3000");
  // A broker that is down is normal for us; say so once in a while, not once per connection.
  setProperty(conf.get(), "log.connection.close", "false");
  const bool any_tls = !config.ssl_cafile.empty() || !config.ssl_certfile.empty();
  if (any_tls && config.properties.count("security.protocol") == 0) {
    setProperty(conf.get(), "security.protocol", "ssl");
  }
  if (!config.ssl_cafile.empty()) setProperty(conf.get(), "ssl.ca.location", config.ssl_cafile);
  if (!config.ssl_certfile.empty()) {
    setProperty(conf.get(), "ssl.certificate.location", config.ssl_certfile);
  }
  if (!config.ssl_keyfile.empty()) setProperty(conf.get(), "ssl.key.location", config.ssl_keyfile);
  for (const auto& [key, value] : defaults) setProperty(conf.get(), key, value);
  for (const auto& [key, value] : config.properties) setProperty(conf.get(), key, value);
  rd_kafka_conf_set_log_cb(conf.get(), logToSpdlog);
  return conf;
}

RdKafkaPtr makeKafkaClient(rd_kafka_type_t type, RdKafkaConfPtr conf) {
  char error[512];
  RdKafkaPtr client{rd_kafka_new(type, conf.get(), error, sizeof error)};
  if (!client) {
    throw KafkaError(std::string("cannot create the Kafka ") +
                     (type == RD_KAFKA_PRODUCER ? "producer" : "consumer") + ": " + error);
  }
  conf.release();  // rd_kafka_new owns it now
  return client;
}

}  // namespace webmon::common
