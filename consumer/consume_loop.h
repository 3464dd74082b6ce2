#pragma once
// The consumer's loop, one turn at a time: read a batch, decode it, settle the batch before it
// (stored, then its offsets committed), and hand the new one to the writer thread, which
// retries it with back-off until it is stored. Offsets are committed in order and only ever
// after their rows. A partition the database did not take from the batch (its stored offset
// is elsewhere: consumer/stored_offsets.h) is read again from the stored offset. ConsumerService
// owns what talks to the outside (the status server, the schema) and turns this loop; its unit
// tests turn it with scripted ends and a test clock.

#include <cstdint>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/backoff.h"
#include "common/config.h"
#include "common/loop_clock.h"
#include "common/metrics.h"
#include "common/shutdown_signal.h"
#include "consumer/batch_endpoints.h"
#include "consumer/consumer_metrics.h"

namespace webmon::consumer {

struct ConsumerTotals {
  std::uint64_t batches = 0;
  std::uint64_t inserted = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t rejected = 0;
  std::uint64_t failed_attempts = 0;  // transactions that failed and were retried
  std::uint64_t not_stored = 0;       // messages of partitions whose stored offset differed
};

class ConsumeLoop {
 public:
  struct Parts {
    BatchSource& source;
    BatchStore& store;
    ConsumerMetrics& metrics;
    common::metrics::Moment& heartbeat;  // set whenever the loop turns; /healthz reads it
    common::ShutdownSignal& shutdown;
  };

  ConsumeLoop(const common::ConsumerConfig& config, Parts parts, common::Backoff retry,
              common::LoopClock clock);
  /// If a batch is still with the writer (the loop is left by an exception), asks it to stop
  /// and waits: its offsets stay uncommitted, so it is read again.
  ~ConsumeLoop();
  ConsumeLoop(const ConsumeLoop&) = delete;
  ConsumeLoop& operator=(const ConsumeLoop&) = delete;

  /// One turn: waits up to consumer.batch_max_wait for messages.
  void turn();
  /// Stopping: the batch in flight is stored (or, if the database is down, given up and left
  /// uncommitted), then the group is left.
  void finish();

  const ConsumerTotals& totals() const noexcept { return totals_; }

 private:
  using Seconds = std::chrono::duration<double>;
  struct StoreOutcome;
  struct PendingBatch;

  using PartitionKeys = std::set<std::pair<std::string, std::int32_t>>;
  void handOver(std::vector<ConsumedMessage> messages);
  PartitionKeys settle();
  void realign(const std::vector<OffsetMismatch>& mismatched);
  void count(const StoreOutcome& outcome);
  StoreOutcome storeUntilDone(const PendingBatch& pending);  // on the writer thread
  void logStored(const PendingBatch& pending, const StoreOutcome& outcome);
  void logStatsIfDue();
  void beat();

  const common::ConsumerConfig& config_;
  Parts parts_;
  common::Backoff retry_;  // used by the writer thread only
  common::LoopClock clock_;
  ConsumerTotals totals_;
  // Where the time goes, in seconds since start: waiting for Kafka, parsing, the database
  // transactions (on the writer thread, retries included), waiting for the writer to finish,
  // committing offsets.
  struct {
    Seconds poll{0}, decode{0}, write{0}, stall{0}, commit{0};
  } times_;
  common::LoopClock::TimePoint last_stats_;
  common::LoopClock::TimePoint next_stats_;
  std::uint64_t inserted_at_last_stats_ = 0;
  std::unique_ptr<PendingBatch> pending_;  // the batch with the writer, if any
};

}  // namespace webmon::consumer
