#pragma once
// Whether the reports topic exists, and creating it where the config asks for that. Both
// services check at start: with auto-creation off (as it should be on a production cluster) a
// missing topic would otherwise show up only as deliveries that time out, or a consumer that
// reads nothing.

#include <chrono>
#include <stdexcept>
#include <string>

#include "common/config.h"
#include "common/kafka_client.h"

namespace webmon::common {

/// The environment is not what the config expects (a topic missing, say): restarting will not
/// help until someone acts, so the services exit with kExitConfigError.
class SetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Missing: the cluster says there is no such topic. Refused: it answered with another error
/// (not authorized, say). Unreachable: no broker answered in time.
enum class TopicState { Exists, Missing, Refused, Unreachable };

struct TopicLookup {
  TopicState state = TopicState::Unreachable;
  int partitions = 0;
  int replication_factor = 0;  // replicas of the first partition
  bool settled = false;        // every partition has a leader and all its replicas in sync
  int brokers = 0;             // brokers the cluster lists
  std::string error;           // why not Exists, as librdkafka says it
};

/// Asks the cluster about `topic` alone. Never creates it, whatever the client's settings:
/// librdkafka only auto-creates from a producer's metadata request when
/// allow.auto.create.topics is true, and the services turn that off.
TopicLookup lookupTopic(rd_kafka_t* client, const std::string& topic,
                        std::chrono::milliseconds timeout);

/// Creates `topic` as `spec` says. A topic that already exists (another service got there
/// first) is success. Throws SetupError with the broker's reason when it refuses, KafkaError
/// when it does not answer.
void createTopic(rd_kafka_t* client, const std::string& topic, const TopicSpec& spec,
                 std::chrono::milliseconds timeout);

/// Start-up check: the topic exists (or is created, with kafka.create_topic). Throws
/// SetupError, naming the topic and how to create it, when the cluster answers that it does
/// not exist. Returns false when no broker answered within `timeout`: the caller carries on
/// (Kafka may be down for a while; that is not a setup error) and may check again later.
bool ensureTopic(rd_kafka_t* client, const KafkaConfig& config, std::chrono::milliseconds timeout);

}  // namespace webmon::common
