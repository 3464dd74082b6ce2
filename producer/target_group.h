#pragma once
// Shared targets (producer.group): the members of a group split monitored_urls between them
// through Kafka's consumer-group protocol, so no coordinator of our own is needed. Each URL
// belongs to one partition of the coordination topic (partitionOfUrl); the group assigns the
// partitions to the live members (cooperative-sticky: a join or a leave moves only what it
// must), and a member probes the URLs of its partitions. The topic carries no messages; only
// its partitions are used, as tokens.
//
// A member that stops cleanly leaves the group at once, so the others take its URLs over
// within a rebalance; one that dies loses them when its session times out. Every member
// schedules a URL on the same phase (derived from the URL and the wall clock), so a handover
// causes neither a burst nor a gap beyond that.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/kafka_client.h"
#include "common/logging.h"
#include "producer/reload_trigger.h"
#include "producer/url_ownership.h"

namespace webmon::producer {

class TargetGroup final : public UrlOwnership {
 public:
  /// Checks the coordination topic (creating it with kafka.create_topic, with
  /// producer.group_partitions partitions) and joins the group. Throws common::SetupError
  /// when the topic is missing and may not be created, KafkaError when librdkafka refuses.
  TargetGroup(const common::KafkaConfig& kafka, const common::ProducerConfig& producer);
  /// Leaves the group, if leave() was not called.
  ~TargetGroup() override;
  TargetGroup(const TargetGroup&) = delete;
  TargetGroup& operator=(const TargetGroup&) = delete;

  bool owns(std::string_view url) const override;
  int fd() const override { return wake_read_.get(); }
  bool refresh() override;

  /// Leaves the group now (a clean stop): the other members get this one's partitions in
  /// their next rebalance instead of after the session timeout. owns() is false from here on.
  void leave();

  /// The Kafka group id: one per producer.group and producer.region, so that every region
  /// probes every URL.
  const std::string& groupId() const noexcept { return group_id_; }
  std::size_t ownedPartitions() const noexcept;
  std::int32_t partitions() const noexcept { return partitions_; }

  static std::string groupIdFor(const common::ProducerConfig& producer);

 private:
  static void onRebalance(rd_kafka_t* client, rd_kafka_resp_err_t event,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void rebalance(rd_kafka_t* client, rd_kafka_resp_err_t event,
                 rd_kafka_topic_partition_list_t* partitions);
  void usePartitionCount(std::int32_t count);
  void countPartitions();  // the counting thread
  void requestPartitionCount();
  void logOwnership() const;

  const std::string topic_;
  const std::string group_id_;
  common::RdKafkaPtr client_;
  common::RdKafkaQueuePtr queue_;  // the consumer queue: rebalances, errors, stray messages
  FileDescriptor wake_read_;       // written by librdkafka when the queue stops being empty
  FileDescriptor wake_write_;
  std::int32_t partitions_ = 0;  // of the topic; 0 until Kafka said
  std::vector<char> owned_;      // by partition
  // The assignment was lost (the session timed out, as it does while Kafka is unreachable):
  // the member keeps probing what it had, since its reports buffer as always, until the group
  // assigns it partitions again.
  bool probing_lost_ = false;
  bool changed_ = false;
  bool left_ = false;
  common::RateLimiter error_log_{std::chrono::seconds(30)};
  // The partition count, read on a thread of its own after each rebalance.
  std::mutex count_mutex_;
  std::condition_variable count_wanted_;
  bool count_requested_ = false;
  bool stopping_ = false;
  std::atomic<std::int32_t> counted_{0};  // the count last read; 0: none yet
  std::thread counter_;
};

}  // namespace webmon::producer
