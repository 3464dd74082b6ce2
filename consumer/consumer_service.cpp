#include "consumer/consumer_service.h"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <future>
#include <memory>

#include "common/backoff.h"
#include "common/status_server.h"
#include "consumer/consumer_metrics.h"
#include "consumer/kafka_reader.h"
#include "consumer/report_writer.h"

namespace webmon::consumer {
namespace {

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

using Seconds = std::chrono::duration<double>;

// What became of one batch on the writer thread.
struct StoreOutcome {
  bool stored = false;  // false only when a stop was requested before the database took it
  WriteResult result;
  std::uint64_t failed_attempts = 0;
  Seconds elapsed{0};
};

struct PendingBatch {
  std::vector<ConsumedMessage> messages;
  DecodedBatch batch;
  std::future<StoreOutcome> outcome;
};

// Writes the same batch until it is stored: never skip ahead, never commit an unstored
// offset. Gives up only when a stop is requested, leaving the batch to be read again.
StoreOutcome storeUntilDone(ReportWriter& writer, common::Backoff& backoff,
                            const PendingBatch& pending, common::ShutdownSignal& shutdown,
                            ConsumerMetrics& metrics) {
  StoreOutcome outcome;
  const auto start = std::chrono::steady_clock::now();
  while (!outcome.stored) {
    try {
      metrics.write_running.set(std::chrono::steady_clock::now());
      outcome.result = writer.write(pending.batch);
      metrics.write_running.clear();
      outcome.stored = true;
      metrics.database_failing.clear();
      if (backoff.attempts() > 0) {
        spdlog::info("postgres writes succeed again after {} failed attempts", backoff.attempts());
      }
      backoff.reset();
      for (const auto& refused : outcome.result.refused) {
        spdlog::warn("report {}/{}@{} set aside in rejected_reports: {}", refused.position.topic,
                     refused.position.partition, refused.position.offset, refused.reason);
      }
      spdlog::debug("stored batch {}: {} new, {} duplicate, {} rejected in {} ms",
                    describeSpan(pending.messages), outcome.result.inserted,
                    outcome.result.duplicates, outcome.result.rejected,
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count());
    } catch (const WriteFailed& error) {
      metrics.write_running.clear();
      ++outcome.failed_attempts;
      metrics.transaction_failures.inc();
      metrics.database_failing.setIfUnset(std::chrono::steady_clock::now());
      if (shutdown.requested()) {
        spdlog::warn(
            "stopping with batch {} not stored ({}); its offsets stay uncommitted, so it will "
            "be read again",
            describeSpan(pending.messages), error.what());
        break;
      }
      const auto delay = backoff.next();
      spdlog::warn("batch {} not stored: {}; rolled back, offsets held; retry {} in {} ms",
                   describeSpan(pending.messages), error.what(), backoff.attempts(), delay.count());
      sleepUnlessStopped(delay, shutdown.fd());
    }
  }
  outcome.elapsed = std::chrono::steady_clock::now() - start;
  return outcome;
}

// /healthz: unhealthy when PostgreSQL has failed for longer than the grace period (reports
// wait on the topic, nothing is lost, but nothing is stored either) or when the reading loop
// stopped turning.
common::Health consumerHealth(const ConsumerMetrics& metrics,
                              const common::metrics::Moment& loop_heartbeat,
                              std::chrono::milliseconds grace) {
  // The loop beats before it reads a batch, then commits the previous batch's offsets: while
  // it waits on a commit (Kafka gone) its heartbeat is older than the commit by up to a poll,
  // and judged by the heartbeat it would be called stalled, with no cause named, before the
  // commit itself passed the grace period. A loop inside a commit is waiting on Kafka.
  const auto loop_stalled = metrics.commit_running.isSet() ? std::chrono::steady_clock::duration{}
                                                           : loop_heartbeat.elapsed();
  return common::firstUnhealthy(
      grace, {{metrics.database_failing.elapsed(), "postgres failing", "reports wait on the topic"},
              {metrics.kafka_down.elapsed(), "kafka unreachable", "no new reports are read"},
              {metrics.commit_running.elapsed(), "kafka unreachable (an offset commit waiting)",
               "no new reports are read"},
              {metrics.write_running.elapsed(), "postgres has not finished a transaction",
               "reports wait on the topic"},
              {loop_stalled, "the reading loop has not run", ""}});
}

}  // namespace

ConsumerService::ConsumerService(common::Config config, common::ShutdownSignal& shutdown)
    : config_(std::move(config)), shutdown_(shutdown) {}

ConsumerTotals ConsumerService::run() {
  ConsumerTotals totals;
  ReportWriter writer(config_.db);
  common::Backoff backoff(std::chrono::milliseconds(200), std::chrono::seconds(30));
  common::metrics::Registry registry;
  ConsumerMetrics metrics(registry);
  common::metrics::Moment loop_heartbeat;  // when the reading loop last turned
  auto beat = [&] { loop_heartbeat.set(std::chrono::steady_clock::now()); };
  beat();
  // Served from the start, so /healthz can say that the database is unreachable during
  // start-up too. The reader's lag joins once it exists (it is declared later, and the
  // server below stops before either goes away).
  auto status = common::startStatusServer(
      config_.consumer.metrics_listen, "consumer.metrics_listen", registry,
      [&metrics, &loop_heartbeat, grace = config_.consumer.health_grace] {
        return consumerHealth(metrics, loop_heartbeat, grace);
      },
      "the consumer");

  // The schema first: a consumer that cannot store anything should not join the group.
  while (!shutdown_.requested()) {
    try {
      const int applied = writer.migrate();
      spdlog::info("postgres {} ready ({} migrations applied now)", writer.where(), applied);
      backoff.reset();
      break;
    } catch (const WriteFailed& error) {
      metrics.database_failing.setIfUnset(std::chrono::steady_clock::now());
      const auto delay = backoff.next();
      spdlog::warn("{}; retrying in {} ms", error.what(), delay.count());
      sleepUnlessStopped(delay, shutdown_.fd());
      beat();
    }
  }
  metrics.database_failing.clear();
  if (shutdown_.requested()) return totals;

  KafkaReader reader(config_.kafka, config_.consumer, metrics.kafka_down);
  // The lag sampler reads `reader`, declared after `status`: stop serving before the reader
  // goes away.
  struct StopServingFirst {
    std::unique_ptr<common::StatusServer>& server;
    ~StopServingFirst() { server.reset(); }
  } stop_serving_first{status};
  registry.sampledFamily(
      "webmon_consumer_lag",
      "Messages on each assigned partition after the offset this consumer last committed.", "gauge",
      [&reader] {
        std::vector<std::pair<common::metrics::Labels, double>> out;
        for (const auto& partition : reader.lag()) {
          out.push_back({{{"partition", std::to_string(partition.partition)}},
                         static_cast<double>(partition.lag)});
        }
        return out;
      });
  spdlog::info("consuming topic {} from {} as group {}; batches of up to {} messages / {} ms",
               config_.kafka.topic, config_.kafka.bootstrapList(), config_.consumer.group_id,
               config_.consumer.batch_max_messages, config_.consumer.batch_max_wait.count());
  const auto stats_interval = config_.consumer.stats_interval;
  auto last_stats = std::chrono::steady_clock::now();
  auto next_stats = last_stats + stats_interval;
  std::uint64_t inserted_at_last_stats = 0;
  // Where the time goes, in seconds since start: waiting for Kafka, parsing, the database
  // transactions (on the writer thread, retries included), waiting for the writer to finish,
  // committing offsets.
  struct {
    Seconds poll{0}, decode{0}, write{0}, stall{0}, commit{0};
  } times;

  // Two batches in the air: while batch N is written to PostgreSQL on a worker thread, batch
  // N+1 is read from Kafka and decoded here. Batch N is settled (stored, then its offsets
  // committed) before batch N+1 is handed to the writer, so offsets are still committed in
  // order and only ever after their rows. The bench measured the overlap worth about a third
  // more reports per second.
  std::unique_ptr<PendingBatch> pending;
  auto settle = [&] {
    if (!pending) return;
    const auto wait_start = std::chrono::steady_clock::now();
    // Waiting on the writer is not a stalled loop (/healthz judges the writer by itself).
    while (pending->outcome.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
      beat();
    }
    const StoreOutcome outcome = pending->outcome.get();  // rethrows what the writer threw
    const auto commit_start = std::chrono::steady_clock::now();
    times.stall += commit_start - wait_start;
    times.write += outcome.elapsed;
    totals.failed_attempts += outcome.failed_attempts;
    if (outcome.stored) {
      ++totals.batches;
      totals.inserted += outcome.result.inserted;
      totals.duplicates += outcome.result.duplicates;
      totals.rejected += outcome.result.rejected;
      metrics.batches.inc();
      metrics.rows_inserted.inc(outcome.result.inserted);
      metrics.duplicates.inc(outcome.result.duplicates);
      metrics.rejected.inc(outcome.result.rejected);
      metrics.transaction_seconds.observe(outcome.elapsed.count());
      metrics.commit_running.set(commit_start);
      const bool committed = reader.commit(pending->messages);
      metrics.commit_running.clear();
      if (!committed) metrics.commit_failures.inc();
      metrics.commit_seconds.observe(
          Seconds(std::chrono::steady_clock::now() - commit_start).count());
    }
    times.commit += std::chrono::steady_clock::now() - commit_start;
    pending.reset();
  };

  try {
    while (!shutdown_.requested()) {
      beat();
      const auto poll_start = std::chrono::steady_clock::now();
      auto messages = reader.pollBatch(config_.consumer.batch_max_messages,
                                       config_.consumer.batch_max_wait, shutdown_.fd());
      const auto decode_start = std::chrono::steady_clock::now();
      times.poll += decode_start - poll_start;
      if (messages.empty()) reader.checkBrokers();
      if (messages.empty()) {
        settle();  // nothing new: commit what is in flight now rather than with the next batch
      } else {
        // The decoded reports point into the messages: both live in one heap object that does
        // not move until the batch is settled.
        auto next = std::make_unique<PendingBatch>();
        next->messages = std::move(messages);
        next->batch = decodeBatch(next->messages);
        times.decode += std::chrono::steady_clock::now() - decode_start;
        for (const auto& rejected : next->batch.rejected) {
          spdlog::warn("rejected message {}/{}@{}: {}", rejected.position.topic,
                       rejected.position.partition, rejected.position.offset, rejected.reason);
        }
        settle();
        PendingBatch* batch = next.get();
        next->outcome = std::async(std::launch::async, [this, &writer, &backoff, &metrics, batch] {
          return storeUntilDone(writer, backoff, *batch, shutdown_, metrics);
        });
        pending = std::move(next);
      }
      if (const auto now = std::chrono::steady_clock::now(); now >= next_stats) {
        // Counters are totals since start; the rate covers the time since the previous line.
        const double seconds = std::chrono::duration<double>(now - last_stats).count();
        spdlog::info(
            "stats batches={} inserted={} duplicates={} rejected={} failed_attempts={} "
            "inserted_per_s={:.1f} poll_s={:.2f} decode_s={:.2f} write_s={:.2f} stall_s={:.2f} "
            "commit_s={:.2f}",
            totals.batches, totals.inserted, totals.duplicates, totals.rejected,
            totals.failed_attempts,
            seconds > 0 ? static_cast<double>(totals.inserted - inserted_at_last_stats) / seconds
                        : 0.0,
            times.poll.count(), times.decode.count(), times.write.count(), times.stall.count(),
            times.commit.count());
        last_stats = now;
        next_stats = now + stats_interval;
        inserted_at_last_stats = totals.inserted;
      }
    }
  } catch (...) {
    // Something broke on this thread (Kafka, memory): stop the writer as well, so that exiting
    // does not wait on a database that may be down. Its batch stays uncommitted, to be read
    // again.
    shutdown_.request();
    if (pending && pending->outcome.valid()) pending->outcome.wait();
    throw;
  }
  // Stopping: the batch in flight is stored (or, if the database is down, given up and left
  // uncommitted, to be read again) before the group is left.
  settle();
  reader.close();
  return totals;
}

}  // namespace webmon::consumer
