#pragma once
// RAII ownership of librdkafka handles and the one place where a KafkaConfig becomes
// librdkafka settings, so producer and consumer connect the same way.

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/config.h"

namespace webmon::common {

struct RdKafkaConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const noexcept { rd_kafka_conf_destroy(conf); }
};
struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
struct RdKafkaPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const noexcept {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
struct RdKafkaTopicDeleter {
  void operator()(rd_kafka_topic_t* topic) const noexcept { rd_kafka_topic_destroy(topic); }
};
struct RdKafkaQueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const noexcept { rd_kafka_queue_destroy(queue); }
};
using RdKafkaConfPtr = std::unique_ptr<rd_kafka_conf_t, RdKafkaConfDeleter>;
using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
/// A topic handle must be destroyed before the client it was made from.
using RdKafkaTopicPtr = std::unique_ptr<rd_kafka_topic_t, RdKafkaTopicDeleter>;
/// A queue handle, too, goes before its client.
using RdKafkaQueuePtr = std::unique_ptr<rd_kafka_queue_t, RdKafkaQueueDeleter>;
using RdKafkaPartitionListPtr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, RdKafkaPartitionListDeleter>;

class KafkaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Builds a librdkafka configuration: connection settings from `config` (bootstrap, client id,
/// ssl_* files), then the service's own `defaults`, then the operator's pass-through
/// `config.properties`, which win. Routes librdkafka's log lines into spdlog.
/// Throws KafkaError naming the property librdkafka refused.
RdKafkaConfPtr makeKafkaConf(const KafkaConfig& config,
                             const std::map<std::string, std::string>& defaults);

/// Creates the client; takes ownership of `conf` only on success, as rd_kafka_new does.
RdKafkaPtr makeKafkaClient(rd_kafka_type_t type, RdKafkaConfPtr conf);

}  // namespace webmon::common
