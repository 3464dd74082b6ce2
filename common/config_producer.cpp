// The producer section: who the producer is (id, region, group), how much it buffers and runs
// at once, and how it shares its targets with the other members of its group.

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

// A region or a group names producers in Kafka group ids, rows and SQL, so it keeps to
// characters every tool quotes the same way.
bool isProducerSetName(const std::string& text) {
  if (text.empty() || text.size() > 64) return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

void readSetName(const ConfigReader& field, const char* example, std::string& out) {
  if (auto text = field.nonEmptyString()) {
    if (!isProducerSetName(*text)) {
      field.fail(std::string("must be 1 to 64 letters, digits, '-', '_' or '.' (e.g. \"") +
                 example + "\")");
    } else {
      out = *text;
    }
  }
}

void readGroup(const ConfigReader& node, ProducerConfig& out) {
  readSetName(node.field("group"), "probes", out.group);
  const auto topic = node.field("group_topic");
  if (auto text = topic.nonEmptyString()) {
    // Kafka's own rule for topic names.
    const bool valid = text->size() <= 249 && *text != "." && *text != ".." &&
                       std::all_of(text->begin(), text->end(), [](unsigned char c) {
                         return std::isalnum(c) || c == '-' || c == '_' || c == '.';
                       });
    if (!valid) {
      topic.fail("must be a Kafka topic name: up to 249 letters, digits, '-', '_' or '.'");
    } else {
      out.group_topic = *text;
    }
  }
  if (auto partitions = node.field("group_partitions").integer(1, 10'000)) {
    out.group_partitions = static_cast<int>(*partitions);
  }
  const auto session = node.field("group_session_timeout");
  if (auto ms = session.positiveSecondsAsMs(3600)) {
    // Brokers refuse less than group.min.session.timeout.ms (6 s by default) when joining.
    if (*ms < 1000) {
      session.fail("must be at least 1 second");
    } else {
      out.group_session_timeout = milliseconds(*ms);
    }
  }
}

}  // namespace

void readProducer(const ConfigReader& node, ProducerConfig& out) {
  node.rejectUnknownKeys({"id", "region", "group", "group_topic", "group_partitions",
                          "group_session_timeout", "queue_limit", "max_concurrent_probes",
                          "delivery_timeout", "shutdown_timeout", "stats_interval", "watch_config",
                          "metrics_listen", "health_grace", "dns_cache"});
  assignIf(out.producer_id, node.field("id").nonEmptyString());
  if (out.producer_id.empty()) out.producer_id = hostName();
  readSetName(node.field("region"), "eu-west", out.region);
  readGroup(node, out);
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

}  // namespace config_sections
}  // namespace webmon::common
