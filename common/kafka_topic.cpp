#include "common/kafka_topic.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <thread>

namespace webmon::common {
namespace {

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* topic) const noexcept { rd_kafka_NewTopic_destroy(topic); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* options) const noexcept {
    rd_kafka_AdminOptions_destroy(options);
  }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const noexcept { rd_kafka_queue_destroy(queue); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const noexcept { rd_kafka_event_destroy(event); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const noexcept {
    rd_kafka_metadata_destroy(metadata);
  }
};

int timeoutMs(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(1, timeout.count()));
}

// What an operator types to create the topic as the README recommends.
std::string createCommand(const KafkaConfig& config) {
  return "kafka-topics.sh --bootstrap-server " + config.bootstrapList() + " --create --topic " +
         config.topic + " --partitions 6 --replication-factor 3 --config min.insync.replicas=2";
}

std::string describeSpec(const TopicSpec& spec) {
  std::string text = std::to_string(spec.partitions) + " partitions, replication factor " +
                     std::to_string(spec.replication_factor);
  for (const auto& [key, value] : spec.config) text += ", " + key + "=" + value;
  return text;
}

}  // namespace

TopicLookup lookupTopic(rd_kafka_t* client, const std::string& topic,
                        std::chrono::milliseconds timeout) {
  TopicLookup lookup;
  RdKafkaTopicPtr handle{rd_kafka_topic_new(client, topic.c_str(), nullptr)};
  if (!handle) {
    lookup.error = rd_kafka_err2str(rd_kafka_last_error());
    return lookup;
  }
  const rd_kafka_metadata_t* raw = nullptr;
  const auto error = rd_kafka_metadata(client, 0, handle.get(), &raw, timeoutMs(timeout));
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata{raw};
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR || !metadata) {
    lookup.error = rd_kafka_err2str(error);
    return lookup;
  }
  lookup.brokers = metadata->broker_cnt;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& found = metadata->topics[i];
    if (topic != found.topic) continue;
    if (found.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      lookup.state = TopicState::Missing;
      lookup.error = rd_kafka_err2str(found.err);
      return lookup;
    }
    // Not authorized, say: the cluster answered, and not with a topic webmon can use. (Leader
    // not available is a topic just created, its leaders still being elected.)
    if (found.err != RD_KAFKA_RESP_ERR_NO_ERROR &&
        found.err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) {
      lookup.state = TopicState::Refused;
      lookup.error = rd_kafka_err2str(found.err);
      return lookup;
    }
    lookup.state = TopicState::Exists;
    lookup.partitions = found.partition_cnt;
    lookup.replication_factor = found.partition_cnt > 0 ? found.partitions[0].replica_cnt : 0;
    lookup.settled = found.err == RD_KAFKA_RESP_ERR_NO_ERROR && found.partition_cnt > 0;
    for (int p = 0; p < found.partition_cnt; ++p) {
      const auto& partition = found.partitions[p];
      if (partition.leader < 0 || partition.isr_cnt < partition.replica_cnt) lookup.settled = false;
    }
    return lookup;
  }
  lookup.state = TopicState::Missing;
  lookup.error = "not in the cluster's metadata";
  return lookup;
}

void createTopic(rd_kafka_t* client, const std::string& topic, const TopicSpec& spec,
                 std::chrono::milliseconds timeout) {
  char error[512];
  std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> request{rd_kafka_NewTopic_new(
      topic.c_str(), spec.partitions, spec.replication_factor, error, sizeof error)};
  if (!request) throw KafkaError("cannot ask for topic " + topic + ": " + error);
  for (const auto& [key, value] : spec.config) {
    if (auto failed = rd_kafka_NewTopic_set_config(request.get(), key.c_str(), value.c_str())) {
      throw KafkaError("cannot set " + key + " on new topic " + topic + ": " +
                       rd_kafka_err2str(failed));
    }
  }
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options{
      rd_kafka_AdminOptions_new(client, RD_KAFKA_ADMIN_OP_CREATETOPICS)};
  // The broker waits this long for the topic to exist on its replicas before answering.
  if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeoutMs(timeout), error,
                                                  sizeof error) ||
      rd_kafka_AdminOptions_set_request_timeout(options.get(), timeoutMs(timeout), error,
                                                sizeof error)) {
    throw KafkaError(std::string("cannot set the CreateTopics time-out: ") + error);
  }
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue{rd_kafka_queue_new(client)};
  rd_kafka_NewTopic_t* requests[] = {request.get()};
  rd_kafka_CreateTopics(client, requests, 1, options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event{
      rd_kafka_queue_poll(queue.get(), timeoutMs(timeout) + 5000)};
  if (!event) throw KafkaError("no answer to creating topic " + topic + " in time");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError("cannot create topic " + topic + ": " +
                     rd_kafka_event_error_string(event.get()));
  }
  std::size_t count = 0;
  const auto* results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto code = rd_kafka_topic_result_error(results[i]);
    if (code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      continue;
    }
    const char* reason = rd_kafka_topic_result_error_string(results[i]);
    // The broker said no (a replication factor above the number of brokers, a setting it
    // does not know): a restart would ask the same again.
    throw SetupError("the cluster refused to create topic " + topic + " (" + describeSpec(spec) +
                     "): " + (reason ? reason : rd_kafka_err2str(code)));
  }
}

bool ensureTopic(rd_kafka_t* client, const KafkaConfig& config, std::chrono::milliseconds timeout) {
  auto lookup = lookupTopic(client, config.topic, timeout);
  if (lookup.state == TopicState::Unreachable) {
    spdlog::warn(
        "cannot check that kafka topic {} exists ({}); carrying on, and checking again when "
        "kafka answers",
        config.topic, lookup.error);
    return false;
  }
  if (lookup.state == TopicState::Refused) {
    throw SetupError("kafka refuses webmon the topic \"" + config.topic + "\" on " +
                     config.bootstrapList() + ": " + lookup.error +
                     "; check the ACLs of the principal webmon connects as");
  }
  if (lookup.state == TopicState::Missing) {
    if (!config.create_topic) {
      throw SetupError("kafka topic \"" + config.topic + "\" does not exist on " +
                       config.bootstrapList() + " (" + lookup.error +
                       "). Create it, for example: " + createCommand(config) +
                       "; or let webmon create it: set kafka.create_topic in the config");
    }
    spdlog::info("kafka topic {} does not exist; creating it ({})", config.topic,
                 describeSpec(*config.create_topic));
    createTopic(client, config.topic, *config.create_topic, timeout);
    // Metadata reaches every broker shortly after the controller accepted the topic, and the
    // partitions' leaders and followers settle after that. Producing meanwhile is asking for
    // trouble: a broker still answering "unknown topic" can make librdkafka forget partitions
    // it has sent to, and a new producer's first batches meet leaders that change (we lost two
    // acknowledged reports, the first ones sent to a topic just created, in one real_kafka run
    // of seven, and suspect this). So: every partition led and fully in sync, in three answers
    // in a row, before the first report goes out.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int settled_answers = 0;
    do {
      lookup = lookupTopic(client, config.topic, timeout);
      settled_answers =
          lookup.state == TopicState::Exists && lookup.settled ? settled_answers + 1 : 0;
      if (settled_answers == 3) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (std::chrono::steady_clock::now() < deadline);
    if (lookup.state != TopicState::Exists) {
      throw KafkaError("created topic " + config.topic + ", but the cluster does not list it (" +
                       lookup.error + ")");
    }
    if (settled_answers < 3) {
      spdlog::warn(
          "created topic {}, but its partitions have not all settled (a leader and "
          "every replica in sync) within {} ms; going on",
          config.topic, timeout.count());
    }
  }
  spdlog::info("kafka topic {}: {} partitions, replication factor {} ({} brokers)", config.topic,
               lookup.partitions, lookup.replication_factor, lookup.brokers);
  if (lookup.replication_factor == 1 && lookup.brokers > 1) {
    spdlog::warn(
        "kafka topic {} has a single replica on a cluster of {} brokers: when its broker "
        "fails, reports wait in memory (producer) or are not read (consumer), and a lost disk "
        "loses them; recreate it with --replication-factor 3 --config min.insync.replicas=2",
        config.topic, lookup.brokers);
  }
  return true;
}

}  // namespace webmon::common
