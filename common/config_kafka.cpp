// The kafka section: brokers, topic, TLS files, librdkafka pass-through properties, and how
// to create a missing topic.

#include <map>
#include <string>

#include "common/config.h"
#include "common/config_sections.h"

namespace webmon::common {
namespace config_sections {
namespace {

bool isValidTopicName(const std::string& topic) {
  return !topic.empty() && topic.size() <= 249 &&
         topic.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
             std::string::npos;
}

// kafka.create_topic.config: topic-level settings as the broker takes them (text).
std::map<std::string, std::string> readTopicSettings(const ConfigReader& node) {
  std::map<std::string, std::string> settings;
  if (!node.present()) return settings;
  if (!node.raw()->is_object()) {
    node.failWithoutValue(
        "must be an object of topic settings, e.g. {\"retention.ms\": \"604800000\"}");
    return settings;
  }
  for (const auto& [key, value] : node.raw()->items()) {
    if (value.is_string()) {
      settings[key] = value.get<std::string>();
    } else if (value.is_number_integer() || value.is_boolean()) {
      settings[key] = value.dump();
    } else {
      node.field(key).failWithoutValue("must be a string, whole number or boolean");
    }
  }
  return settings;
}

// kafka.create_topic: true (the defaults), false, or {partitions, replication_factor, config}.
void readTopicSpec(const ConfigReader& node, std::optional<TopicSpec>& out) {
  if (!node.present()) return;
  if (node.raw()->is_boolean()) {
    if (node.raw()->get<bool>()) out = TopicSpec{};
  } else if (!node.raw()->is_object()) {
    node.fail("must be true, false or {\"partitions\": N, \"replication_factor\": N}");
  } else {
    node.rejectUnknownKeys({"partitions", "replication_factor", "config"});
    TopicSpec spec;
    if (auto partitions = node.field("partitions").integer(1, 10'000)) {
      spec.partitions = static_cast<int>(*partitions);
    }
    if (auto replicas = node.field("replication_factor").integer(1, 32)) {
      spec.replication_factor = static_cast<int>(*replicas);
    }
    spec.config = readTopicSettings(node.field("config"));
    out = std::move(spec);
  }
  if (!out) return;
  auto& settings = out->config;
  if (out->replication_factor >= 3 && settings.count("min.insync.replicas") == 0) {
    settings["min.insync.replicas"] = "2";
  }
  if (auto found = settings.find("min.insync.replicas"); found != settings.end()) {
    const std::string& text = found->second;
    const bool in_range = !text.empty() && text.size() <= 2 &&
                          text.find_first_not_of("0123456789") == std::string::npos &&
                          std::stoi(text) >= 1 && std::stoi(text) <= out->replication_factor;
    if (!in_range) {
      node.field("config")
          .field("min.insync.replicas")
          .failWithoutValue("must be a whole number from 1 to replication_factor (" +
                            std::to_string(out->replication_factor) + "), got \"" + text + "\"");
    }
  }
}

}  // namespace

void readKafka(const ConfigReader& node, const EnvLookup& env, KafkaConfig& out) {
  node.required();
  node.rejectUnknownKeys({"bootstrap_servers", "host", "port", "topic", "client_id", "ssl_cafile",
                          "ssl_certfile", "ssl_keyfile", "properties", "create_topic"});
  const auto servers = node.field("bootstrap_servers");
  const auto host = node.field("host");
  const auto port = node.field("port");
  auto env_servers = env("WEBMON_KAFKA_BOOTSTRAP_SERVERS");
  if (servers.present() && (host.present() || port.present())) {
    host.failWithoutValue("give either bootstrap_servers or host + port, not both");
  } else if (servers.present()) {
    const std::size_t count = servers.arraySize();
    if (servers.raw()->is_array() && count == 0) servers.failWithoutValue("must not be empty");
    for (std::size_t i = 0; i < count; ++i) {
      const auto item = servers.element(i);
      auto text = item.nonEmptyString();
      if (text && !looksLikeHostPort(*text)) item.fail("must be host:port");
      if (text) out.bootstrap_servers.push_back(*text);
    }
  } else if (host.present() || port.present()) {
    auto host_text = host.required() ? host.nonEmptyString() : std::nullopt;
    auto port_number = port.required() ? port.port() : std::nullopt;
    if (host_text && port_number) {
      out.bootstrap_servers.push_back(*host_text + ":" + std::to_string(*port_number));
    }
  } else if (!env_servers && node.present()) {
    node.field("bootstrap_servers").failWithoutValue("is required (or host + port)");
  }
  if (env_servers && !env_servers->empty()) out.bootstrap_servers = {*env_servers};

  const auto topic = node.field("topic").stringOrUnset();
  assignIf(out.topic, topic);
  if (topic && !isValidTopicName(out.topic)) {
    node.field("topic").fail("must be 1-249 characters of letters, digits, '.', '_' or '-'");
  }
  assignIf(out.client_id, node.field("client_id").nonEmptyString());
  assignIf(out.ssl_cafile, node.field("ssl_cafile").nonEmptyString());
  assignIf(out.ssl_certfile, node.field("ssl_certfile").nonEmptyString());
  assignIf(out.ssl_keyfile, node.field("ssl_keyfile").nonEmptyString());
  if (out.ssl_certfile.empty() != out.ssl_keyfile.empty()) {
    node.field(out.ssl_certfile.empty() ? "ssl_certfile" : "ssl_keyfile")
        .failWithoutValue("is required when ssl_certfile or ssl_keyfile is set (both or neither)");
  }

  const auto properties = node.field("properties");
  if (properties.present() && !properties.raw()->is_object()) {
    properties.failWithoutValue("must be an object of librdkafka property names to strings");
  } else if (properties.present()) {
    for (const auto& [key, value] : properties.raw()->items()) {
      const auto item = properties.field(key);
      // Numbers and booleans are accepted for convenience; librdkafka takes everything as text.
      if (value.is_string()) {
        out.properties[key] = value.get<std::string>();
      } else if (value.is_number() || value.is_boolean()) {
        out.properties[key] = value.dump();
      } else {
        item.failWithoutValue("must be a string, number or boolean");
      }
    }
  }
  readTopicSpec(node.field("create_topic"), out.create_topic);
  if (auto secret = env("WEBMON_KAFKA_SASL_PASSWORD")) out.properties["sasl.password"] = *secret;
  if (auto secret = env("WEBMON_KAFKA_SSL_KEY_PASSWORD")) {
    out.properties["ssl.key.password"] = *secret;
  }
}

}  // namespace config_sections

std::string KafkaConfig::bootstrapList() const {
  std::string list;
  for (const auto& server : bootstrap_servers) list += (list.empty() ? "" : ",") + server;
  return list;
}

}  // namespace webmon::common
