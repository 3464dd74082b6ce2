#pragma once
// Inside the config reader (common/config*.cpp), not for the services: the reader of each
// section of the config file, and the rules more than one section uses.

#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/config_reader.h"

namespace webmon::common::config_sections {

void readKafka(const ConfigReader& node, const EnvLookup& env, KafkaConfig& out);  // kafka.cpp
void readDb(const ConfigReader& node, const EnvLookup& env, DbConfig& out);        // db.cpp
void readRetention(const ConfigReader& node, RetentionConfig& out);                // retention.cpp
void readUrls(const ConfigReader& node, const EnvLookup& env,
              std::vector<MonitoredUrl>& out);  // urls.cpp
// A URL's credentials (url_auth.cpp): those in the URL as `written` (out.url becomes the URL
// with its password masked), and the basic_auth key.
void takeCredentialsFromUrl(const ConfigReader& url_field, const std::string& written,
                            MonitoredUrl& out);
void readBasicAuth(const ConfigReader& node, const EnvLookup& env, MonitoredUrl& out);
void readLogging(const ConfigReader& node, LoggingConfig& out);  // services.cpp, the three
void readProducer(const ConfigReader& node, ProducerConfig& out);
void readConsumer(const ConfigReader& node, ConsumerConfig& out);

// Shared rules (config.cpp).
void assignIf(std::string& target, std::optional<std::string> value);
bool looksLikeHostPort(const std::string& text);
void readListen(const ConfigReader& node, std::string& out);

}  // namespace webmon::common::config_sections
