#include "producer/kafka_publisher.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <thread>

#include "common/kafka_topic.h"

namespace webmon::producer {
namespace {

constexpr std::size_t kBatchSize = 1000;
constexpr int kMetadataTimeoutMs = 2000;
// How long the start-up topic check waits for a broker; after that the producer probes and
// buffers anyway, and checks again once Kafka answers.
constexpr auto kTopicCheckTimeout = std::chrono::seconds(5);

std::map<std::string, std::string> producerDefaults(const common::ProducerConfig& config) {
  return {
      // Durable and not duplicated by retries: every in-sync replica acknowledges, and the
      // broker drops retried duplicates.
      {"enable.idempotence", "true"},
      {"acks", "all"},
      // After this long without an acknowledgement librdkafka gives a report back to us, and
      // we requeue it; until then librdkafka retries by itself.
      {"message.timeout.ms", std::to_string(config.delivery_timeout.count())},
      {"linger.ms", "10"},
      {"compression.codec", "lz4"},
      {"queue.buffering.max.messages", "100000"},
      // A typo in kafka.topic must not create a topic with the broker's defaults (one
      // replica, say): a missing topic is reported at start (or created as configured).
      {"allow.auto.create.topics", "false"},
  };
}

}  // namespace

KafkaPublisher::KafkaPublisher(const common::KafkaConfig& kafka,
                               const common::ProducerConfig& producer, ReportQueue& queue)
    : kafka_(kafka),
      producer_config_(producer),
      queue_(queue),
      backoff_(std::chrono::milliseconds(250), std::chrono::seconds(5)) {
  auto conf = common::makeKafkaConf(kafka_, producerDefaults(producer_config_));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaPublisher::onDelivery);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaPublisher::onError);
  rd_kafka_conf_set_opaque(conf.get(), this);
  client_ = common::makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf));
  topic_.reset(rd_kafka_topic_new(client_.get(), kafka_.topic.c_str(), nullptr));
  if (!topic_) {
    throw common::KafkaError("cannot create a handle for topic " + kafka_.topic + ": " +
                             rd_kafka_err2str(rd_kafka_last_error()));
  }
}

KafkaPublisher::~KafkaPublisher() {
  // Reports still inside librdkafka come back through onDelivery (as purged) so their
  // memory is freed (the topic handle then goes before the client, by member order).
  rd_kafka_purge(client_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(client_.get(), 0);
}

void KafkaPublisher::onDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaPublisher*>(opaque);
  std::unique_ptr<QueuedReport> report(static_cast<QueuedReport*>(message->_private));
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->delivered_.fetch_add(1);
    return;
  }
  self->delivery_errors_.fetch_add(1);
  // The vector may need to grow; if even that fails the report is lost, so say so.
  try {
    self->last_error_ = rd_kafka_err2str(message->err);
    self->failed_.push_back(std::move(*report));
  } catch (const std::bad_alloc&) {
    spdlog::error("out of memory while requeueing a report Kafka did not take; it is lost");
  }
}

void KafkaPublisher::onError(rd_kafka_t* client, int error, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaPublisher*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(error);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char detail[512];
    rd_kafka_fatal_error(client, detail, sizeof detail);
    // Seen by run(), which stops publishing: a fatal producer cannot send anything again.
    self->fatal_error_ = detail;
    return;
  }
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    try {
      self->markDown(reason);
    } catch (...) {
      // markDown only logs; a failing log call must not escape into librdkafka.
    }
  }
}

void KafkaPublisher::markDown(const std::string& reason) {
  last_error_ = reason;
  // Stamped before broker_up_ falls, so downFor() never pairs "down" with an old stamp.
  if (broker_up_.load()) down_since_.set(std::chrono::steady_clock::now());
  if (broker_up_.exchange(false)) {
    spdlog::warn("kafka unreachable ({}); buffering reports in memory (limit {})", reason,
                 queue_.limit());
  }
}

void KafkaPublisher::serveCallbacks(int timeout_ms) {
  rd_kafka_poll(client_.get(), timeout_ms);
  if (failed_.empty()) return;
  const std::size_t count = failed_.size();
  queue_.requeueFront(std::move(failed_));
  failed_.clear();
  std::uint64_t suppressed = 0;
  if (failure_log_.allow(suppressed)) {
    spdlog::warn(
        "kafka did not acknowledge {} reports ({}); requeued them ({} similar "
        "messages suppressed)",
        count, last_error_, suppressed);
  }
  markDown(last_error_);
}

rd_kafka_resp_err_t KafkaPublisher::produceOne(QueuedReport& report) {
  // rd_kafka_produceva rather than the RD_KAFKA_V_* macros, which are C casts.
  // No copy flag: librdkafka points into `report`, which lives until onDelivery frees it.
  rd_kafka_vu_t values[4] = {};
  values[0].vtype = RD_KAFKA_VTYPE_RKT;
  values[0].u.rkt = topic_.get();
  values[1].vtype = RD_KAFKA_VTYPE_KEY;
  values[1].u.mem = {report.key.data(), report.key.size()};
  values[2].vtype = RD_KAFKA_VTYPE_VALUE;
  values[2].u.mem = {report.payload.data(), report.payload.size()};
  values[3].vtype = RD_KAFKA_VTYPE_OPAQUE;
  values[3].u.ptr = &report;
  rd_kafka_error_t* error = rd_kafka_produceva(client_.get(), values, 4);
  if (error == nullptr) return RD_KAFKA_RESP_ERR_NO_ERROR;
  const auto code = rd_kafka_error_code(error);
  rd_kafka_error_destroy(error);
  return code;
}

void KafkaPublisher::publish(std::vector<QueuedReport>& batch, const std::atomic<bool>& stop) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto report = std::make_unique<QueuedReport>(std::move(batch[i]));
    for (;;) {
      const rd_kafka_resp_err_t error = produceOne(*report);
      if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
        report.release();  // onDelivery owns it now
        break;
      }
      if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stop.load()) {
        serveCallbacks(50);  // librdkafka's own buffer is full: let deliveries drain it
        continue;
      }
      last_error_ = rd_kafka_err2str(error);
      failed_.push_back(std::move(*report));
      break;
    }
  }
  batch.clear();
}

bool KafkaPublisher::brokerReachable() {
  const rd_kafka_metadata_t* metadata = nullptr;
  const auto error =
      rd_kafka_metadata(client_.get(), 0, topic_.get(), &metadata, kMetadataTimeoutMs);
  if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) last_error_ = rd_kafka_err2str(error);
  return error == RD_KAFKA_RESP_ERR_NO_ERROR;
}

void KafkaPublisher::waitForBroker(const std::atomic<bool>& stop) {
  const auto delay = backoff_.next();
  spdlog::info(
      "kafka still unreachable ({}); {} reports buffered, {} dropped so far; next check "
      "in {} ms (attempt {}, back-off capped at {} ms)",
      last_error_, queue_.size(), queue_.dropped(), delay.count(), backoff_.attempts(),
      backoff_.max().count());
  const auto until = std::chrono::steady_clock::now() + delay;
  while (!stop.load() && std::chrono::steady_clock::now() < until) serveCallbacks(100);
  if (stop.load()) return;
  if (brokerReachable()) {
    if (!topic_verified_) verifyTopic(std::chrono::milliseconds(kMetadataTimeoutMs));
    if (!topic_verified_) return;
    spdlog::info("kafka reachable again after {} checks; sending {} buffered reports",
                 backoff_.attempts(), queue_.size());
    backoff_.reset();
    broker_up_ = true;
  }
}

void KafkaPublisher::verifyTopic(std::chrono::milliseconds timeout) {
  topic_verified_ = common::ensureTopic(client_.get(), kafka_, timeout);
}

std::uint64_t KafkaPublisher::run(const std::atomic<bool>& stop) {
  // Until the cluster has said the topic exists, nothing is handed to librdkafka: reports to
  // a topic that is not there would only time out. Kafka down at start is not an error: the
  // reports buffer, and the check runs again when a broker answers.
  verifyTopic(kTopicCheckTimeout);
  if (!topic_verified_) markDown("no broker answered the start-up topic check");
  while (!stop.load()) {
    if (!fatal_error_.empty()) {
      throw common::KafkaError("kafka producer hit a fatal error: " + fatal_error_ +
                               "; restart webmon-producer (" + std::to_string(queue_.size()) +
                               " buffered reports are lost)");
    }
    if (!broker_up_.load()) {
      waitForBroker(stop);
      continue;
    }
    auto batch = queue_.popBatch(kBatchSize, std::chrono::milliseconds(100));
    publish(batch, stop);
    serveCallbacks(0);
  }
  return flush();
}

std::uint64_t KafkaPublisher::flush() {
  const auto deadline = std::chrono::steady_clock::now() + producer_config_.shutdown_timeout;
  const std::atomic<bool> never{false};
  spdlog::info("flushing {} queued reports to kafka (at most {} ms)", queue_.size(),
               producer_config_.shutdown_timeout.count());
  while (std::chrono::steady_clock::now() < deadline) {
    auto batch = queue_.popBatch(kBatchSize, std::chrono::milliseconds(0));
    publish(batch, never);
    serveCallbacks(50);
    if (queue_.size() == 0 && rd_kafka_outq_len(client_.get()) == 0) break;
  }
  // Whatever librdkafka still holds comes back to the queue, so one number says what is lost.
  rd_kafka_purge(client_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(client_.get(), 0);
  queue_.requeueFront(std::move(failed_));
  failed_.clear();
  return queue_.size();
}

}  // namespace webmon::producer
