// The sections of the services themselves: logging, producer and consumer.

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "common/config.h"
#include "common/config_sections.h"

namespace webmon::common {
namespace config_sections {
namespace {

std::string hostName() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "webmon-producer";
  return buffer;
}

}  // namespace

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

// A region names a group of producers (and, with shared targets, their Kafka consumer group),
// so it keeps to characters every tool quotes the same way.
bool isRegionName(const std::string& text) {
  if (text.empty() || text.size() > 64) return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

void readProducer(const ConfigReader& node, ProducerConfig& out) {
  node.rejectUnknownKeys({"id", "region", "queue_limit", "max_concurrent_probes",
                          "delivery_timeout", "shutdown_timeout", "stats_interval", "watch_config",
                          "metrics_listen", "health_grace", "dns_cache"});
  assignIf(out.producer_id, node.field("id").nonEmptyString());
  if (out.producer_id.empty()) out.producer_id = hostName();
  const auto region = node.field("region");
  if (auto text = region.nonEmptyString()) {
    if (!isRegionName(*text)) {
      region.fail("must be 1 to 64 letters, digits, '-', '_' or '.' (e.g. \"eu-west\")");
    } else {
      out.region = *text;
    }
  }
  if (auto limit = node.field("queue_limit").integer(1, 100'000'000)) {
    out.queue_limit = static_cast<std::size_t>(*limit);
  }
  if (auto max = node.field("max_concurrent_probes").integer(1, 15'000)) {
    out.max_concurrent_probes = static_cast<std::size_t>(*max);
  }
  if (auto ms = node.field("delivery_timeout").positiveSecondsAsMs(3600)) {
    out.delivery_timeout = milliseconds(*ms);
  }
  if (auto ms = node.field("shutdown_timeout").positiveSecondsAsMs(600)) {
    out.shutdown_timeout = milliseconds(*ms);
  }
  if (auto ms = node.field("stats_interval").positiveSecondsAsMs(86'400)) {
    out.stats_interval = milliseconds(*ms);
  }
  if (auto watch = node.field("watch_config").boolean()) out.watch_config = *watch;
  if (auto cache = node.field("dns_cache").boolean()) out.dns_cache = *cache;
  readListen(node.field("metrics_listen"), out.metrics_listen);
  if (auto ms = node.field("health_grace").positiveSecondsAsMs(86'400)) {
    out.health_grace = milliseconds(*ms);
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
