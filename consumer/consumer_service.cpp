#include "consumer/consumer_service.h"

#include <poll.h>
#include <spdlog/spdlog.h>

#include "common/backoff.h"
#include "consumer/kafka_reader.h"
#include "consumer/report_writer.h"

namespace webmon::consumer {
namespace {

constexpr auto kStatsInterval = std::chrono::seconds(60);

// Sleeps, but wakes at once when a stop is requested.
void sleepUnlessStopped(std::chrono::milliseconds delay, int stop_fd) {
  pollfd item{stop_fd, POLLIN, 0};
  ::poll(&item, 1, static_cast<int>(delay.count()));
}

std::string describeSpan(const std::vector<ConsumedMessage>& batch) {
  const auto& first = batch.front().position;
  const auto& last = batch.back().position;
  return first.topic + "/" + std::to_string(first.partition) + "@" + std::to_string(first.offset) +
         " .. " + std::to_string(last.partition) + "@" + std::to_string(last.offset);
}

}  // namespace

ConsumerService::ConsumerService(common::Config config, common::ShutdownSignal& shutdown)
    : config_(std::move(config)), shutdown_(shutdown) {}

ConsumerTotals ConsumerService::run() {
  ConsumerTotals totals;
  ReportWriter writer(config_.db);
  common::Backoff backoff(std::chrono::milliseconds(200), std::chrono::seconds(30));

  // The schema first: a consumer that cannot store anything should not join the group.
  while (!shutdown_.requested()) {
    try {
      const int applied = writer.migrate();
      spdlog::info("postgres {} ready ({} migrations applied now)", writer.where(), applied);
      backoff.reset();
      break;
    } catch (const WriteFailed& error) {
      const auto delay = backoff.next();
      spdlog::warn("{}; retrying in {} ms", error.what(), delay.count());
      sleepUnlessStopped(delay, shutdown_.fd());
    }
  }
  if (shutdown_.requested()) return totals;

  KafkaReader reader(config_.kafka, config_.consumer);
  spdlog::info("consuming topic {} from {} as group {}; batches of up to {} messages / {} ms",
               config_.kafka.topic, config_.kafka.bootstrapList(), config_.consumer.group_id,
               config_.consumer.batch_max_messages, config_.consumer.batch_max_wait.count());
  auto next_stats = std::chrono::steady_clock::now() + kStatsInterval;

  while (!shutdown_.requested()) {
    const auto messages = reader.pollBatch(config_.consumer.batch_max_messages,
                                           config_.consumer.batch_max_wait, shutdown_.fd());
    if (!messages.empty()) {
      const DecodedBatch batch = decodeBatch(messages);
      for (const auto& rejected : batch.rejected) {
        spdlog::warn("rejected message {}/{}@{}: {}", rejected.position.topic,
                     rejected.position.partition, rejected.position.offset, rejected.reason);
      }
      // The same batch until it is stored: never skip ahead, never commit an unstored offset.
      bool stored = false;
      while (!stored) {
        try {
          const WriteResult result = writer.write(batch);
          stored = true;
          if (backoff.attempts() > 0) {
            spdlog::info("postgres writes succeed again after {} failed attempts",
                         backoff.attempts());
          }
          backoff.reset();
          ++totals.batches;
          totals.inserted += result.inserted;
          totals.duplicates += result.duplicates;
          totals.rejected += result.rejected;
          spdlog::debug("stored batch {}: {} new, {} duplicate, {} rejected",
                        describeSpan(messages), result.inserted, result.duplicates,
                        result.rejected);
        } catch (const WriteFailed& error) {
          ++totals.failed_attempts;
          if (shutdown_.requested()) {
            spdlog::warn(
                "stopping with batch {} not stored ({}); its offsets stay "
                "uncommitted, so it will be read again",
                describeSpan(messages), error.what());
            break;
          }
          const auto delay = backoff.next();
          spdlog::warn("batch {} not stored: {}; rolled back, offsets held; retry {} in {} ms",
                       describeSpan(messages), error.what(), backoff.attempts(), delay.count());
          sleepUnlessStopped(delay, shutdown_.fd());
        }
      }
      if (stored) reader.commit(messages);
    }
    if (const auto now = std::chrono::steady_clock::now(); now >= next_stats) {
      next_stats = now + kStatsInterval;
      spdlog::info("stats batches={} inserted={} duplicates={} rejected={} failed_attempts={}",
                   totals.batches, totals.inserted, totals.duplicates, totals.rejected,
                   totals.failed_attempts);
    }
  }
  reader.close();
  return totals;
}

}  // namespace webmon::consumer
