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
void readUrls(const ConfigReader& node, std::vector<MonitoredUrl>& out);           // urls.cpp
void readLogging(const ConfigReader& node, LoggingConfig& out);  // services.cpp, the three
void readProducer(const ConfigReader& node, ProducerConfig& out);
void readConsumer(const ConfigReader& node, ConsumerConfig& out);

// Shared rules (config.cpp).
void assignIf(std::string& target, std::optional<std::string> value);
bool looksLikeHostPort(const std::string& text);
void readListen(const ConfigReader& node, std::string& out);

}  // namespace webmon::common::config_sections
