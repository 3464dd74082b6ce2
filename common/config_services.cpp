// The sections of the services themselves: logging and consumer (the producer has its own file).

#include <algorithm>
#include <string>

#include "common/config.h"
#include "common/config_sections.h"

namespace webmon::common {
namespace config_sections {

void readLogging(const ConfigReader& node, LoggingConfig& out) {
  node.rejectUnknownKeys({"level", "file", "max_file_size_mb", "max_files", "format"});
  const auto level = node.field("level");
  if (auto text = level.nonEmptyString()) {
    static const std::vector<std::string> levels = {"trace", "debug", "info",
                                                    "warn",  "error", "critical"};
    if (std::find(levels.begin(), levels.end(), *text) == levels.end()) {
      level.fail("must be one of trace, debug, info, warn, error, critical");
    } else {
      out.level = *text;
    }
  }
  assignIf(out.file, node.field("file").nonEmptyString());
  if (auto mb = node.field("max_file_size_mb").integer(1, 10'240)) {
    out.max_file_size_bytes = static_cast<std::size_t>(*mb) * 1024 * 1024;
  }
  if (auto files = node.field("max_files").integer(1, 1000)) {
    out.max_files = static_cast<std::size_t>(*files);
  }
  const auto format = node.field("format");
  if (auto text = format.nonEmptyString()) {
    if (*text != "text" && *text != "json") {
      format.fail("must be text or json");
    } else {
      out.json = *text == "json";
    }
  }
}

void readConsumer(const ConfigReader& node, ConsumerConfig& out) {
  node.rejectUnknownKeys({"group_id", "batch_max_messages", "batch_max_wait", "session_timeout",
                          "stats_interval", "metrics_listen", "status_listen", "health_grace"});
  assignIf(out.group_id, node.field("group_id").nonEmptyString());
  if (auto max = node.field("batch_max_messages").integer(1, 1'000'000)) {
    out.batch_max_messages = static_cast<std::size_t>(*max);
  }
  if (auto ms = node.field("batch_max_wait").positiveSecondsAsMs(60)) {
    out.batch_max_wait = milliseconds(*ms);
  }
  const auto session = node.field("session_timeout");
  if (auto ms = session.positiveSecondsAsMs(3600)) {
    // Kafka brokers refuse session timeouts below group.min.session.timeout.ms (6 s by default).
    if (*ms < 1000) {
      session.fail("must be at least 1 second");
    } else {
      out.session_timeout = milliseconds(*ms);
    }
  }
  if (auto ms = node.field("stats_interval").positiveSecondsAsMs(86'400)) {
    out.stats_interval = milliseconds(*ms);
  }
  readListen(node.field("metrics_listen"), out.metrics_listen);
  readListen(node.field("status_listen"), out.status_listen);
  if (auto ms = node.field("health_grace").positiveSecondsAsMs(86'400)) {
    out.health_grace = milliseconds(*ms);
  }
}

}  // namespace config_sections
}  // namespace webmon::common
