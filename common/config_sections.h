#pragma once
// Inside the config reader (common/config*.cpp), not for the services: the reader of each
// section of the config file, and the rules more than one section uses.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/config.h"
#include "common/config_reader.h"

namespace webmon::common::config_sections {

void readKafka(const ConfigReader& node, const EnvLookup& env, KafkaConfig& out);  // kafka.cpp
void readDb(const ConfigReader& node, const EnvLookup& env, DbConfig& out);        // db.cpp
void readRetention(const ConfigReader& node, RetentionConfig& out);                // retention.cpp
// Each URL read so far, from any source, with the path of its entry: a URL listed twice is
// refused where it appears the second time, naming the first.
using SeenUrls = std::unordered_map<std::string, std::string>;
// One list of URLs (monitored_urls, or a target file), appended to `out` (urls.cpp); each
// URL's `source` is `source`.
void readUrls(const ConfigReader& node, const EnvLookup& env,
              const std::vector<AlertReceiver>& receivers, const std::string& source,
              SeenUrls& seen, std::vector<MonitoredUrl>& out);
// targets_dir (target_files.cpp): every *.json file in it, in name order, one JSON list of
// URLs each, as monitored_urls holds them. `found_dir` becomes the directory, absolute.
void readTargetFiles(const ConfigReader& node, const std::string& config_dir, const EnvLookup& env,
                     const std::vector<AlertReceiver>& receivers, SeenUrls& seen,
                     std::string& found_dir, std::vector<MonitoredUrl>& out);
// A URL's credentials (url_auth.cpp): those in the URL as `written` (out.url becomes the URL
// with its password masked), and the basic_auth key.
void takeCredentialsFromUrl(const ConfigReader& url_field, const std::string& written,
                            MonitoredUrl& out);
void readBasicAuth(const ConfigReader& node, const EnvLookup& env, MonitoredUrl& out);
void readAlerts(const ConfigReader& node, const EnvLookup& env, AlertsConfig& out);  // alerts.cpp
// One of alerts.receivers (alert_receivers.cpp); `names` are those read so far.
void readAlertReceiver(const ConfigReader& node, const EnvLookup& env,
                       std::unordered_set<std::string>& names, std::vector<AlertReceiver>& out);
// A URL's alerts key; `receivers`: the names alerts.receivers defines.
void readUrlAlerts(const ConfigReader& node, const std::vector<AlertReceiver>& receivers,
                   UrlAlerts& out);
// Maintenance windows (maintenance.cpp): alerts.maintenance (`with_urls`) or a URL's own;
// then, once monitored_urls is read, that the section's urls name some of them.
void readMaintenance(const ConfigReader& node, bool with_urls, std::vector<MaintenanceWindow>& out);
void checkMaintenanceUrls(const ConfigReader& node, const std::vector<MonitoredUrl>& urls);
// Secrets kept out of the config file (secrets.cpp): the value of the environment variable
// `name_field` names, or the content of the file `path_field` names (one trailing line break
// dropped). Both record a problem and return nullopt when it is not set, empty or unreadable.
std::optional<std::string> secretFromEnv(const ConfigReader& name_field, const EnvLookup& env);
std::optional<std::string> secretFromFile(const ConfigReader& path_field);
void readLogging(const ConfigReader& node, LoggingConfig& out);  // services.cpp
void readConsumer(const ConfigReader& node, ConsumerConfig& out);
void readProducer(const ConfigReader& node, ProducerConfig& out);  // producer.cpp

// Shared rules (config.cpp).
// Parses a JSON document; a ConfigError (prefixed with `where`, a file, when not empty) says
// where it is not valid JSON.
nlohmann::json parseJsonDocument(std::string_view json_text, const std::string& where);
void assignIf(std::string& target, std::optional<std::string> value);
bool looksLikeHostPort(const std::string& text);
void readListen(const ConfigReader& node, std::string& out);

}  // namespace webmon::common::config_sections
