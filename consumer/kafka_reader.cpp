#include "consumer/kafka_reader.h"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <map>

#include "common/kafka_rebalance.h"
#include "common/kafka_topic.h"

namespace webmon::consumer {
namespace {

std::map<std::string, std::string> consumerDefaults(const common::ConsumerConfig& config) {
  return {
      {"group.id", config.group_id},
      // Offsets are committed by us, after the PostgreSQL transaction commits, never before.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      // A new group starts at the oldest report still on the topic, not only new ones.
      {"auto.offset.reset", "earliest"},
      {"session.timeout.ms", std::to_string(config.session_timeout.count())},
      {"heartbeat.interval.ms",
       std::to_string(std::max<long long>(100, config.session_timeout.count() / 3))},
      {"enable.partition.eof", "false"},
      // A fetch waits at most this long for new data (librdkafka's default is 500 ms). A
      // broker may hold a fetch for the whole wait even when data arrives meanwhile (the
      // development broker does): the bench's end-to-end p50 went from 556 to 318 ms.
      {"fetch.wait.max.ms", "100"},
      // What librdkafka fetches ahead: at most 8 MB per assigned partition. Its default (64 MB)
      // took a consumer of a real broker with 40 partitions to 473 MB of RSS on a backlog;
      // with 8 MB, 146 MB at the same ingest rate, on either broker (docs/benchmarks.md).
      // Bounding the message count instead (queued.min.messages) cost the development broker
      // half its rate: it answers fetches in smaller pieces.
      {"queued.max.messages.kbytes", "8192"},
  };
}

bool stopRequested(int stop_fd) {
  if (stop_fd < 0) return false;
  pollfd item{stop_fd, POLLIN, 0};
  return ::poll(&item, 1, 0) > 0;
}

}  // namespace

KafkaReader::KafkaReader(const common::KafkaConfig& kafka, const common::ConsumerConfig& consumer,
                         common::metrics::Moment& brokers_down, StoredOffsets* stored)
    : topic_(kafka.topic), stored_(stored), brokers_down_(brokers_down) {
  auto conf = common::makeKafkaConf(kafka, consumerDefaults(consumer));
  // Errors come through our callback (served inside rd_kafka_consumer_poll), so "all brokers
  // down" can feed /healthz; they are logged there too, rate-limited.
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaReader::onError);
  // Assignments go through us, so a partition starts at the offset stored with the rows.
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaReader::onRebalance);
  rd_kafka_conf_set_opaque(conf.get(), this);
  client_ = common::makeKafkaClient(RD_KAFKA_CONSUMER, std::move(conf));
  // One queue for messages, rebalances and errors, all served by consumer_poll.
  rd_kafka_poll_set_consumer(client_.get());
  // A missing topic stops the consumer here with the command that creates it; with Kafka down
  // the consumer subscribes anyway and reads once the topic is there.
  common::ensureTopic(client_.get(), kafka, std::chrono::seconds(5));
  common::RdKafkaPartitionListPtr topics{rd_kafka_topic_partition_list_new(1)};
  rd_kafka_topic_partition_list_add(topics.get(), kafka.topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto error = rd_kafka_subscribe(client_.get(), topics.get())) {
    throw common::KafkaError("cannot subscribe to topic " + kafka.topic + ": " +
                             rd_kafka_err2str(error));
  }
}

KafkaReader::~KafkaReader() { close(); }

std::vector<ConsumedMessage> KafkaReader::pollBatch(std::size_t max, std::chrono::milliseconds wait,
                                                    int stop_fd) {
  std::vector<ConsumedMessage> batch;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  // Poll in short slices so a stop request is noticed within ~100 ms.
  constexpr auto kSlice = std::chrono::milliseconds(100);
  batch.reserve(std::min<std::size_t>(max, 10'000));
  // Messages librdkafka has already fetched are taken with a zero timeout, and the clock and
  // the stop pipe are only looked at when none is waiting (or every 1024 messages): per
  // message, those two calls cost more than taking the message itself.
  std::size_t since_check = 0;
  // Rebalances are served inside rd_kafka_consumer_poll. What was read before one may be of
  // partitions that are gone, or that now start elsewhere: it is read again, not stored.
  const auto drop_if_rebalanced = [this, &batch] {
    if (!rebalanced_) return;
    rebalanced_ = false;
    if (!batch.empty()) {
      spdlog::info("dropped {} messages read before the rebalance; they are read again",
                   batch.size());
    }
    batch.clear();
  };
  while (batch.size() < max) {
    rd_kafka_message_t* message = nullptr;
    if (++since_check < 1024) {
      message = rd_kafka_consumer_poll(client_.get(), 0);
      drop_if_rebalanced();
    }
    if (message == nullptr) {
      since_check = 0;
      if (stopRequested(stop_fd)) break;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      message =
          rd_kafka_consumer_poll(client_.get(), static_cast<int>(std::min(left, kSlice).count()));
      drop_if_rebalanced();
      if (message == nullptr) continue;
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message->err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        brokers_down_.setIfUnset(std::chrono::steady_clock::now());
      }
      // Consumer errors are informational: librdkafka recovers by itself.
      std::uint64_t suppressed = 0;
      if (error_log_.allow(suppressed)) {
        spdlog::warn("kafka consumer: {} ({} similar suppressed)", rd_kafka_message_errstr(message),
                     suppressed);
      }
      rd_kafka_message_destroy(message);
      continue;
    }
    ConsumedMessage consumed;
    consumed.position.topic = rd_kafka_topic_name(message->rkt);
    consumed.position.partition = message->partition;
    consumed.position.offset = message->offset;
    if (message->payload != nullptr) {
      consumed.payload.assign(static_cast<const char*>(message->payload), message->len);
    }
    rd_kafka_message_destroy(message);
    batch.push_back(std::move(consumed));
  }
  if (!batch.empty()) brokers_down_.clear();  // messages arrived: a broker answers
  return batch;
}

bool KafkaReader::commit(const std::vector<ConsumedMessage>& batch) {
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offsets;
  for (const auto& message : batch) {
    auto& next = next_offsets[{message.position.topic, message.position.partition}];
    next = std::max(next, message.position.offset + 1);
  }
  if (next_offsets.empty()) return true;
  common::RdKafkaPartitionListPtr offsets{
      rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size()))};
  for (const auto& [key, offset] : next_offsets) {
    rd_kafka_topic_partition_list_add(offsets.get(), key.first.c_str(), key.second)->offset =
        offset;
  }
  const auto error = rd_kafka_commit(client_.get(), offsets.get(), 0 /* synchronous */);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn(
        "kafka refused the offset commit ({}); the rows are stored, and the stored offsets "
        "keep a redelivery from storing them twice",
        rd_kafka_err2str(error));
    return false;
  }
  for (int i = 0; i < offsets->cnt; ++i) {
    const auto& partition = offsets->elems[i];
    if (partition.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn(
          "kafka refused the offset commit for {}/{} ({}); the rows are stored, and the "
          "stored offsets keep a redelivery from storing them twice",
          partition.topic, partition.partition, rd_kafka_err2str(partition.err));
      return false;
    }
  }
  std::lock_guard lock(committed_mutex_);
  for (const auto& [key, offset] : next_offsets) committed_[key.second] = offset;
  return true;
}

void KafkaReader::onError(rd_kafka_t*, int error, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaReader*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(error);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    self->brokers_down_.setIfUnset(std::chrono::steady_clock::now());
  }
  try {
    std::uint64_t suppressed = 0;
    if (self->error_log_.allow(suppressed)) {
      spdlog::warn("kafka consumer: {} ({} similar suppressed)", reason, suppressed);
    }
  } catch (...) {
    // Logging must not throw into librdkafka.
  }
}

void KafkaReader::onRebalance(rd_kafka_t* client, rd_kafka_resp_err_t event,
                              rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<KafkaReader*>(opaque)->rebalance(client, event, partitions);
}

// Offsets given to the assign call are where fetching starts, so no seek is needed (seeking
// is only allowed once a partition is assigned and fetching).
void KafkaReader::rebalance(rd_kafka_t* client, rd_kafka_resp_err_t event,
                            rd_kafka_topic_partition_list_t* partitions) {
  rebalanced_ = true;
  if (event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    try {
      startFromStoredOffsets(partitions);
    } catch (const std::exception& error) {
      spdlog::warn("reading the assigned partitions from Kafka's committed offsets: {}",
                   error.what());
    }
  }
  if (auto why = common::assignAsTold(client, event, partitions); !why.empty()) {
    spdlog::warn("kafka rebalance ({}): {}", rd_kafka_err2str(event), why);
  }
}

void KafkaReader::startFromStoredOffsets(rd_kafka_topic_partition_list_t* partitions) {
  if (stored_ == nullptr) return;
  std::vector<std::int32_t> ours;
  for (int i = 0; i < partitions->cnt; ++i) {
    if (partitions->elems[i].topic == topic_) ours.push_back(partitions->elems[i].partition);
  }
  const auto stored = stored_->load(topic_, ours);
  if (!stored) return;  // logged; offsets left unset start at Kafka's committed ones
  std::string starts;
  for (int i = 0; i < partitions->cnt; ++i) {
    auto& partition = partitions->elems[i];
    const auto found =
        partition.topic == topic_ ? stored->find(partition.partition) : stored->end();
    if (found != stored->end()) partition.offset = found->second;
    starts += (starts.empty() ? "" : ", ") + std::to_string(partition.partition) + "@" +
              (found != stored->end() ? std::to_string(found->second) : "committed");
  }
  spdlog::info("assigned {} partitions of {}, starting at the stored offsets: {}", partitions->cnt,
               topic_, starts);
}

std::optional<BatchSource::LogRange> KafkaReader::logRange(const std::string& topic,
                                                           std::int32_t partition) {
  std::int64_t low = -1, high = -1;
  const auto error =
      rd_kafka_query_watermark_offsets(client_.get(), topic.c_str(), partition, &low, &high, 2000);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR || low < 0 || high < low) return std::nullopt;
  return LogRange{low, high};
}

void KafkaReader::rewind(const std::string& topic, std::int32_t partition, std::int64_t offset) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(client_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  common::RdKafkaPartitionListPtr assigned{raw};
  if (rd_kafka_topic_partition_list_find(assigned.get(), topic.c_str(), partition) == nullptr) {
    spdlog::info("{}/{} is no longer assigned here: its new owner reads it from the stored offset",
                 topic, partition);
    return;
  }
  common::RdKafkaPartitionListPtr target{rd_kafka_topic_partition_list_new(1)};
  rd_kafka_topic_partition_list_add(target.get(), topic.c_str(), partition)->offset = offset;
  std::string why;
  if (rd_kafka_error_t* error = rd_kafka_seek_partitions(client_.get(), target.get(), 5000)) {
    why = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
  } else if (target->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    why = rd_kafka_err2str(target->elems[0].err);
  }
  if (!why.empty()) {
    // The next batch of the partition is refused again, and the rewind tried again.
    spdlog::warn("cannot rewind {}/{} to offset {}: {}", topic, partition, offset, why);
  }
}

void KafkaReader::checkBrokers() {
  const auto now = std::chrono::steady_clock::now();
  if (!brokers_down_.isSet() || now - last_check_ < std::chrono::seconds(1)) return;
  last_check_ = now;
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(client_.get(), 0, nullptr, &metadata, 500) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(metadata);
    brokers_down_.clear();
    spdlog::info("kafka reachable again");
  }
}

std::vector<KafkaReader::PartitionLag> KafkaReader::lag() const {
  std::vector<PartitionLag> out;
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (closed_ || rd_kafka_assignment(client_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return out;
  }
  common::RdKafkaPartitionListPtr assigned{raw};
  rd_kafka_position(client_.get(), assigned.get());  // fills in the read positions
  std::lock_guard lock(committed_mutex_);
  for (int i = 0; i < assigned->cnt; ++i) {
    const auto& partition = assigned->elems[i];
    std::int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(client_.get(), partition.topic, partition.partition, &low,
                                       &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      continue;  // not fetched from yet: unknown, rather than a made-up number
    }
    std::int64_t from = partition.offset;
    if (auto found = committed_.find(partition.partition); found != committed_.end()) {
      from = found->second;
    }
    if (from < 0) from = low;  // nothing read or committed yet: all of it is waiting
    out.push_back(PartitionLag{partition.partition, std::max<std::int64_t>(0, high - from)});
  }
  return out;
}

void KafkaReader::close() {
  if (closed_ || !client_) return;
  closed_ = true;
  if (auto error = rd_kafka_consumer_close(client_.get())) {
    spdlog::warn("kafka consumer did not leave its group cleanly: {}", rd_kafka_err2str(error));
  }
}

}  // namespace webmon::consumer
