#include "consumer/consume_loop.h"

#include <spdlog/spdlog.h>

namespace webmon::consumer {
namespace {

std::string describeSpan(const std::vector<ConsumedMessage>& batch) {
  const auto& first = batch.front().position;
  const auto& last = batch.back().position;
  return first.topic + "/" + std::to_string(first.partition) + "@" + std::to_string(first.offset) +
         " .. " + std::to_string(last.partition) + "@" + std::to_string(last.offset);
}

}  // namespace

// What became of one batch on the writer thread.
struct ConsumeLoop::StoreOutcome {
  bool stored = false;  // false only when a stop was requested before the database took it
  WriteResult result;
  std::uint64_t failed_attempts = 0;
  Seconds elapsed{0};
};

// The decoded reports point into the messages: both live in one heap object that does not
// move until the batch is settled.
struct ConsumeLoop::PendingBatch {
  std::vector<ConsumedMessage> messages;
  DecodedBatch batch;
  std::future<StoreOutcome> outcome;
};

ConsumeLoop::ConsumeLoop(const common::ConsumerConfig& config, Parts parts, common::Backoff retry,
                         common::LoopClock clock)
    : config_(config), parts_(parts), retry_(std::move(retry)), clock_(std::move(clock)) {
  last_stats_ = clock_.steady();
  next_stats_ = last_stats_ + config_.stats_interval;
  beat();
}

ConsumeLoop::~ConsumeLoop() {
  if (pending_ && pending_->outcome.valid()) {
    parts_.shutdown.request();
    pending_->outcome.wait();
  }
}

void ConsumeLoop::beat() { parts_.heartbeat.set(clock_.steady()); }

// Two batches in the air: while batch N is written to PostgreSQL on the writer thread, batch
// N+1 is read from Kafka and decoded here. Batch N is settled before batch N+1 is handed to
// the writer. The bench measured the overlap worth about a third more reports per second.
void ConsumeLoop::turn() {
  beat();
  const auto poll_start = clock_.steady();
  auto messages = parts_.source.pollBatch(config_.batch_max_messages, config_.batch_max_wait,
                                          parts_.shutdown.fd());
  times_.poll += clock_.steady() - poll_start;
  if (messages.empty()) {
    parts_.source.checkBrokers();
    settle();  // nothing new: commit what is in flight now rather than with the next batch
  } else {
    handOver(std::move(messages));
  }
  logStatsIfDue();
}

void ConsumeLoop::finish() {
  settle();
  parts_.source.close();
}

void ConsumeLoop::handOver(std::vector<ConsumedMessage> messages) {
  const auto decode_start = clock_.steady();
  auto next = std::make_unique<PendingBatch>();
  next->messages = std::move(messages);
  next->batch = decodeBatch(next->messages);
  times_.decode += clock_.steady() - decode_start;
  for (const auto& rejected : next->batch.rejected) {
    spdlog::warn("rejected message {}/{}@{}: {}", rejected.position.topic,
                 rejected.position.partition, rejected.position.offset, rejected.reason);
  }
  const auto rewound = settle();
  if (!rewound.empty()) {
    // Read before those partitions were rewound: their messages come again from the stored
    // offset, and must not be written from here as well.
    std::erase_if(next->messages, [&rewound](const ConsumedMessage& message) {
      return rewound.count({message.position.topic, message.position.partition}) != 0;
    });
    if (next->messages.empty()) return;
    next->batch = decodeBatch(next->messages);
  }
  const PendingBatch* batch = next.get();
  next->outcome = std::async(std::launch::async, [this, batch] { return storeUntilDone(*batch); });
  pending_ = std::move(next);
}

// Returns the partitions rewound because the database did not take them from the batch.
ConsumeLoop::PartitionKeys ConsumeLoop::settle() {
  PartitionKeys rewound;
  if (!pending_) return rewound;
  const auto wait_start = clock_.steady();
  // Waiting on the writer is not a stalled loop (/healthz judges the writer by itself).
  while (pending_->outcome.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
    beat();
  }
  const StoreOutcome outcome = pending_->outcome.get();  // rethrows what the writer threw
  const auto commit_start = clock_.steady();
  times_.stall += commit_start - wait_start;
  times_.write += outcome.elapsed;
  totals_.failed_attempts += outcome.failed_attempts;
  if (outcome.stored) {
    count(outcome);
    auto& messages = pending_->messages;
    for (const auto& m : outcome.result.mismatched) rewound.insert({m.topic, m.partition});
    // Kafka's offsets follow what was stored: not those of partitions the database refused.
    std::erase_if(messages, [&rewound](const ConsumedMessage& message) {
      return rewound.count({message.position.topic, message.position.partition}) != 0;
    });
    if (!messages.empty()) {
      auto& metrics = parts_.metrics;
      metrics.commit_running.set(commit_start);
      const bool committed = parts_.source.commit(messages);
      metrics.commit_running.clear();
      if (!committed) metrics.commit_failures.inc();
      metrics.commit_seconds.observe(Seconds(clock_.steady() - commit_start).count());
    }
    realign(outcome.result.mismatched);
  }
  times_.commit += clock_.steady() - commit_start;
  pending_.reset();
  return rewound;
}

// A partition of the batch did not start at its stored offset. Usually the range is stored
// already (another consumer had the partition, or the batch was read before a rebalance),
// and the partition is read again from the stored offset. If the stored offset is not in the
// partition any more (Kafka's retention deleted what was never stored, or the topic was
// created anew), waiting cannot help: the stored offset moves to the partition's start, loudly.
void ConsumeLoop::realign(const std::vector<OffsetMismatch>& mismatched) {
  for (const auto& m : mismatched) {
    parts_.metrics.offset_mismatches.inc();
    const std::string where = m.topic + "/" + std::to_string(m.partition);
    if (m.stored_next < 0) {  // its row was deleted: the next batch starts it afresh
      parts_.source.rewind(m.topic, m.partition, m.batch_first);
      continue;
    }
    std::int64_t resume = m.stored_next;
    const auto range = parts_.source.logRange(m.topic, m.partition);
    const bool outside = range && (m.stored_next < range->low || m.stored_next > range->high);
    if (outside && parts_.store.moveStoredOffset(m.topic, m.partition, m.stored_next, range->low)) {
      if (m.stored_next < range->low) {
        spdlog::error(
            "{}: offsets {}..{} were deleted by Kafka's retention before they were stored ({} "
            "messages lost); storing from offset {} on. Keep the topic's retention.ms longer "
            "than the longest database outage",
            where, m.stored_next, range->low - 1, range->low - m.stored_next, range->low);
      } else {
        spdlog::error(
            "{}: the partition ends at offset {}, before the stored offset {}: the topic was "
            "created anew; storing it from offset {} on",
            where, range->high, m.stored_next, range->low);
      }
      resume = range->low;
    } else {
      spdlog::warn(
          "{}: batch from offset {} not stored: the database has this partition up to "
          "offset {} ({}); reading again from there",
          where, m.batch_first, m.stored_next,
          m.batch_first < m.stored_next ? "stored already, by another consumer or "
                                          "an earlier attempt"
                                        : "the batch skips messages");
    }
    parts_.source.rewind(m.topic, m.partition, resume);
  }
}

void ConsumeLoop::count(const StoreOutcome& outcome) {
  const auto& result = outcome.result;
  ++totals_.batches;
  totals_.inserted += result.inserted;
  totals_.duplicates += result.duplicates;
  totals_.rejected += result.rejected;
  totals_.not_stored += result.not_stored;
  auto& metrics = parts_.metrics;
  metrics.batches.inc();
  metrics.rows_inserted.inc(result.inserted);
  metrics.duplicates.inc(result.duplicates);
  metrics.rejected.inc(result.rejected);
  metrics.transaction_seconds.observe(outcome.elapsed.count());
}

// Writes the same batch until it is stored: never skip ahead, never commit an unstored
// offset. Gives up only when a stop is requested, leaving the batch to be read again.
ConsumeLoop::StoreOutcome ConsumeLoop::storeUntilDone(const PendingBatch& pending) {
  StoreOutcome outcome;
  auto& metrics = parts_.metrics;
  const auto start = clock_.steady();
  while (!outcome.stored) {
    try {
      metrics.write_running.set(clock_.steady());
      outcome.result = parts_.store.write(pending.batch);
      metrics.write_running.clear();
      outcome.stored = true;
      metrics.database_failing.clear();
      if (retry_.attempts() > 0) {
        spdlog::info("postgres writes succeed again after {} failed attempts", retry_.attempts());
      }
      retry_.reset();
    } catch (const WriteFailed& error) {
      metrics.write_running.clear();
      ++outcome.failed_attempts;
      metrics.transaction_failures.inc();
      metrics.database_failing.setIfUnset(clock_.steady());
      if (parts_.shutdown.requested()) {
        spdlog::warn(
            "stopping with batch {} not stored ({}); its offsets stay uncommitted, so it will "
            "be read again",
            describeSpan(pending.messages), error.what());
        break;
      }
      const auto delay = retry_.next();
      spdlog::warn("batch {} not stored: {}; rolled back, offsets held; retry {} in {} ms",
                   describeSpan(pending.messages), error.what(), retry_.attempts(), delay.count());
      parts_.shutdown.sleepFor(delay);
    }
  }
  outcome.elapsed = clock_.steady() - start;
  if (outcome.stored) logStored(pending, outcome);
  return outcome;
}

void ConsumeLoop::logStored(const PendingBatch& pending, const StoreOutcome& outcome) {
  for (const auto& refused : outcome.result.refused) {
    spdlog::warn("report {}/{}@{} set aside in rejected_reports: {}", refused.position.topic,
                 refused.position.partition, refused.position.offset, refused.reason);
  }
  spdlog::debug("stored batch {}: {} new, {} duplicate, {} rejected in {} ms",
                describeSpan(pending.messages), outcome.result.inserted, outcome.result.duplicates,
                outcome.result.rejected,
                std::chrono::duration_cast<std::chrono::milliseconds>(outcome.elapsed).count());
}

// Counters are totals since start; the rate covers the time since the previous line.
void ConsumeLoop::logStatsIfDue() {
  const auto now = clock_.steady();
  if (now < next_stats_) return;
  const double seconds = Seconds(now - last_stats_).count();
  spdlog::info(
      "stats batches={} inserted={} duplicates={} rejected={} failed_attempts={} not_stored={} "
      "inserted_per_s={:.1f} poll_s={:.2f} decode_s={:.2f} write_s={:.2f} stall_s={:.2f} "
      "commit_s={:.2f}",
      totals_.batches, totals_.inserted, totals_.duplicates, totals_.rejected,
      totals_.failed_attempts, totals_.not_stored,
      seconds > 0 ? static_cast<double>(totals_.inserted - inserted_at_last_stats_) / seconds : 0.0,
      times_.poll.count(), times_.decode.count(), times_.write.count(), times_.stall.count(),
      times_.commit.count());
  last_stats_ = now;
  next_stats_ = now + config_.stats_interval;
  inserted_at_last_stats_ = totals_.inserted;
}

}  // namespace webmon::consumer
