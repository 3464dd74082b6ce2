#include "producer/target_group.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <numeric>

#include "common/kafka_rebalance.h"
#include "common/kafka_topic.h"

namespace webmon::producer {
namespace {

std::map<std::string, std::string> memberDefaults(const std::string& group_id,
                                                  const common::ProducerConfig& producer) {
  const auto session = producer.group_session_timeout.count();
  return {
      {"group.id", group_id},
      {"client.id", "webmon-producer-group"},
      // A join or a leave moves only the partitions it must; the others keep probing theirs.
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"session.timeout.ms", std::to_string(session)},
      // Members learn of a rebalance (another member joining or leaving) at their next
      // heartbeat: at most a second, so a clean stop hands over within about one.
      {"heartbeat.interval.ms", std::to_string(std::clamp<long long>(session / 3, 100, 1000))},
      // The topic's messages (there should be none) are never wanted: no offsets to keep.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "latest"},
      {"enable.partition.eof", "false"},
  };
}

// The coordination topic as kafka.create_topic would create it, with its own partition count.
common::KafkaConfig coordinationTopic(const common::KafkaConfig& kafka,
                                      const common::ProducerConfig& producer) {
  common::KafkaConfig topic = kafka;
  topic.topic = producer.group_topic;
  if (topic.create_topic) topic.create_topic->partitions = producer.group_partitions;
  return topic;
}

}  // namespace

std::string TargetGroup::groupIdFor(const common::ProducerConfig& producer) {
  std::string id = "webmon-producers/" + producer.group;
  if (!producer.region.empty()) id += "/" + producer.region;
  return id;
}

TargetGroup::TargetGroup(const common::KafkaConfig& kafka, const common::ProducerConfig& producer)
    : topic_(producer.group_topic), group_id_(groupIdFor(producer)) {
  int ends[2];
  if (pipe2(ends, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("cannot create the group's wake-up pipe: ") +
                             strerror(errno));
  }
  wake_read_ = FileDescriptor(ends[0]);
  wake_write_ = FileDescriptor(ends[1]);

  auto conf = common::makeKafkaConf(kafka, memberDefaults(group_id_, producer));
  rd_kafka_conf_set_rebalance_cb(conf.get(), &TargetGroup::onRebalance);
  rd_kafka_conf_set_opaque(conf.get(), this);
  client_ = common::makeKafkaClient(RD_KAFKA_CONSUMER, std::move(conf));
  // Rebalances and errors all come through the consumer queue, which wakes the probe loop.
  rd_kafka_poll_set_consumer(client_.get());
  queue_.reset(rd_kafka_queue_get_consumer(client_.get()));
  rd_kafka_queue_io_event_enable(queue_.get(), wake_write_.get(), "1", 1);

  const auto topic = coordinationTopic(kafka, producer);
  if (common::ensureTopic(client_.get(), topic, std::chrono::seconds(5))) {
    const auto lookup = common::lookupTopic(client_.get(), topic_, std::chrono::seconds(5));
    if (lookup.state == common::TopicState::Exists) usePartitionCount(lookup.partitions);
  }

  common::RdKafkaPartitionListPtr subscription(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(subscription.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto failed = rd_kafka_subscribe(client_.get(), subscription.get())) {
    throw common::KafkaError("cannot join producer group " + group_id_ + " on topic " + topic_ +
                             ": " + rd_kafka_err2str(failed));
  }
  // Last: a constructor that throws must not leave a thread running.
  counter_ = std::thread([this] { countPartitions(); });
  if (partitions_ <= 0) requestPartitionCount();
  spdlog::info(
      "shared targets: joining kafka group {} on topic {} ({} partitions); this producer "
      "probes the urls of the partitions the group assigns it",
      group_id_, topic_, partitions_ > 0 ? std::to_string(partitions_) : "unknown yet");
}

TargetGroup::~TargetGroup() {
  try {
    leave();
  } catch (...) {  // nothing to do: the session times out instead
  }
  {
    std::lock_guard lock(count_mutex_);
    stopping_ = true;
  }
  count_wanted_.notify_one();
  if (counter_.joinable()) counter_.join();
}

void TargetGroup::leave() {
  if (left_) return;
  left_ = true;
  // Revokes everything (through onRebalance) and sends LeaveGroup.
  if (auto failed = rd_kafka_consumer_close(client_.get())) {
    spdlog::warn("leaving kafka group {}: {}; the others take over after the session timeout",
                 group_id_, rd_kafka_err2str(failed));
  }
  std::fill(owned_.begin(), owned_.end(), 0);
  probing_lost_ = false;
  spdlog::info("shared targets: left kafka group {}", group_id_);
}

bool TargetGroup::owns(std::string_view url) const {
  if (left_ || partitions_ <= 0) return false;
  const auto partition = static_cast<std::size_t>(partitionOfUrl(url, partitions_));
  return partition < owned_.size() && owned_[partition] != 0;
}

std::size_t TargetGroup::ownedPartitions() const noexcept {
  return static_cast<std::size_t>(std::count(owned_.begin(), owned_.end(), 1));
}

bool TargetGroup::refresh() {
  char drained[64];
  while (read(wake_read_.get(), drained, sizeof drained) > 0) {
  }
  if (left_) return false;
  // Serves every event waiting; rebalances run onRebalance in here.
  while (rd_kafka_message_t* message = rd_kafka_consumer_poll(client_.get(), 0)) {
    std::uint64_t suppressed = 0;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR && error_log_.allow(suppressed)) {
      spdlog::warn("kafka group {}: {}{}", group_id_, rd_kafka_message_errstr(message),
                   suppressed > 0 ? " (and " + std::to_string(suppressed) + " more)" : "");
    }
    rd_kafka_message_destroy(message);
  }
  if (const auto count = counted_.load(); count > 0 && count != partitions_) {
    usePartitionCount(count);
    changed_ = true;
  }
  const bool changed = changed_;
  changed_ = false;
  if (changed) logOwnership();
  return changed;
}

void TargetGroup::usePartitionCount(std::int32_t count) {
  partitions_ = count;
  if (owned_.size() < static_cast<std::size_t>(count)) owned_.resize(count, 0);
}

// The count all members hash URLs with. It is read again after each rebalance (partitions
// added to the topic make every member rebalance, and so every member reads the new count),
// here rather than on the probe loop: a metadata request during a rebalance took up to 460 ms,
// which was schedule lag for every probe due meanwhile.
void TargetGroup::countPartitions() {
  std::unique_lock lock(count_mutex_);
  while (true) {
    count_wanted_.wait(lock, [this] { return stopping_ || count_requested_; });
    if (stopping_) return;
    count_requested_ = false;
    lock.unlock();
    const auto lookup = common::lookupTopic(client_.get(), topic_, std::chrono::seconds(2));
    const bool known = lookup.state == common::TopicState::Exists && lookup.partitions > 0;
    if (known) {
      counted_.store(lookup.partitions);
      [[maybe_unused]] auto woken = write(wake_write_.get(), "1", 1);
    } else {
      spdlog::warn("kafka group {}: cannot read the partition count of {} ({}); trying again",
                   group_id_, topic_, lookup.error);
    }
    lock.lock();
    if (!known) {
      count_requested_ = true;
      count_wanted_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    }
  }
}

void TargetGroup::requestPartitionCount() {
  {
    std::lock_guard lock(count_mutex_);
    count_requested_ = true;
  }
  count_wanted_.notify_one();
}

void TargetGroup::onRebalance(rd_kafka_t* client, rd_kafka_resp_err_t event,
                              rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<TargetGroup*>(opaque)->rebalance(client, event, partitions);
}

void TargetGroup::rebalance(rd_kafka_t* client, rd_kafka_resp_err_t event,
                            rd_kafka_topic_partition_list_t* partitions) {
  const bool assigned = event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  const bool lost = !assigned && rd_kafka_assignment_lost(client) != 0;
  if (auto why = common::assignAsTold(client, event, partitions); !why.empty()) {
    spdlog::warn("kafka group {} rebalance ({}): {}", group_id_, rd_kafka_err2str(event), why);
  }
  requestPartitionCount();
  changed_ = true;
  if (lost && !left_) {
    probing_lost_ = true;
    spdlog::warn(
        "shared targets: kafka group {} lost this producer's {} partitions (no answer from the "
        "group coordinator within the session timeout); still probing their urls until the "
        "group assigns partitions again",
        group_id_, partitions->cnt);
    return;
  }
  if (assigned && probing_lost_) {
    // Back in the group: what it assigns now is the whole assignment.
    std::fill(owned_.begin(), owned_.end(), 0);
    probing_lost_ = false;
  }
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& element = partitions->elems[i];
    if (element.topic != topic_ || element.partition < 0) continue;
    const auto index = static_cast<std::size_t>(element.partition);
    if (index >= owned_.size()) owned_.resize(index + 1, 0);
    owned_[index] = assigned ? 1 : 0;
  }
}

void TargetGroup::logOwnership() const {
  spdlog::info("shared targets: this producer owns {} of {} partitions of {}", ownedPartitions(),
               partitions_, topic_);
}

}  // namespace webmon::producer
