// ConsumeLoop between a scripted source and a scripted store: the order of reads, writes and
// commits, retries while the store fails, and what a stop leaves uncommitted.

#include "consumer/consume_loop.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>

namespace webmon::consumer {
namespace {

using namespace std::chrono_literals;

std::string validReport() {
  common::ProbeReport report;
  report.id = common::newReportId();
  report.url = "http://127.0.0.1/";
  report.name = "local";
  report.ok = true;
  report.http_status = 200;
  report.producer_id = "p";
  return common::encodeReport(report);
}

std::vector<ConsumedMessage> batchAt(std::int64_t first, int count) {
  std::vector<ConsumedMessage> batch;
  for (int i = 0; i < count; ++i) batch.push_back({{"reports", 0, first + i}, validReport()});
  return batch;
}

// What happened, in order, across both threads: "write 0..2", "commit 0..2", "poll".
class EventLog {
 public:
  void add(std::string event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> events_;
};

std::string span(const std::vector<ConsumedMessage>& batch) {
  return std::to_string(batch.front().position.offset) + ".." +
         std::to_string(batch.back().position.offset);
}

class ScriptedSource final : public BatchSource {
 public:
  explicit ScriptedSource(EventLog& log) : log_(log) {}
  std::vector<ConsumedMessage> pollBatch(std::size_t, std::chrono::milliseconds, int) override {
    if (batches.empty()) return {};
    auto batch = std::move(batches.front());
    batches.pop_front();
    log_.add("read " + span(batch));
    return batch;
  }
  bool commit(const std::vector<ConsumedMessage>& batch) override {
    log_.add("commit " + span(batch));
    committed = batch.back().position.offset + 1;
    return true;
  }
  void checkBrokers() override {}
  void close() override { closed = true; }
  std::optional<LogRange> logRange(const std::string&, std::int32_t) override { return range; }
  void rewind(const std::string&, std::int32_t, std::int64_t offset) override {
    log_.add("rewind " + std::to_string(offset));
  }

  std::optional<LogRange> range = LogRange{0, 1'000'000};

  std::deque<std::vector<ConsumedMessage>> batches;
  std::int64_t committed = -1;
  bool closed = false;

 private:
  EventLog& log_;
};

// Fails its first `failures` writes; with `hold`, each write waits until released.
class ScriptedStore final : public BatchStore {
 public:
  explicit ScriptedStore(EventLog& log) : log_(log) {}
  WriteResult write(const DecodedBatch& batch) override {
    {
      std::unique_lock lock(mutex_);
      released_.wait(lock, [&] { return !hold || releases > 0; });
      if (hold) --releases;
    }
    const auto what = std::to_string(batch.reports.front().position.offset) + ".." +
                      std::to_string(batch.reports.back().position.offset);
    if (failures > 0) {
      --failures;
      log_.add("failed write " + what);
      throw WriteFailed("scripted outage");
    }
    log_.add("write " + what);
    WriteResult result;
    if (stored_next >= 0 && batch.reports.front().position.offset != stored_next) {
      result.mismatched.push_back(
          {"reports", 0, stored_next, batch.reports.front().position.offset});
      result.not_stored = batch.reports.size();
      return result;
    }
    if (stored_next >= 0) stored_next = batch.reports.back().position.offset + 1;
    result.inserted = batch.reports.size();
    result.rejected = batch.rejected.size();
    return result;
  }
  void release() {
    std::lock_guard lock(mutex_);
    ++releases;
    released_.notify_all();
  }

  bool moveStoredOffset(const std::string&, std::int32_t, std::int64_t from,
                        std::int64_t to) override {
    log_.add("move " + std::to_string(from) + " to " + std::to_string(to));
    if (stored_next != from) return false;
    stored_next = to;
    return true;
  }

  std::atomic<int> failures{0};
  std::int64_t stored_next = -1;  // >= 0: acts as the stored offset of partition 0
  bool hold = false;
  int releases = 0;

 private:
  EventLog& log_;
  std::mutex mutex_;
  std::condition_variable released_;
};

class ConsumeLoopTest : public ::testing::Test {
 protected:
  std::unique_ptr<ConsumeLoop> makeLoop() {
    return std::make_unique<ConsumeLoop>(
        config_, ConsumeLoop::Parts{source_, store_, metrics_, heartbeat_, shutdown_},
        common::Backoff(1ms, 4ms),
        common::LoopClock{[this] { return common::LoopClock::TimePoint(now_.load()); },
                          [] { return 0ms; }});
  }

  common::ConsumerConfig config_;
  EventLog log_;
  ScriptedSource source_{log_};
  ScriptedStore store_{log_};
  common::metrics::Registry registry_;
  ConsumerMetrics metrics_{registry_};
  common::metrics::Moment heartbeat_;
  common::ShutdownSignal shutdown_;
  std::atomic<std::chrono::steady_clock::duration> now_{std::chrono::hours(1000)};
};

TEST_F(ConsumeLoopTest, CommitsEachBatchAfterItIsStoredAndInOrder) {
  source_.batches = {batchAt(0, 3), batchAt(3, 2), batchAt(5, 4)};
  auto loop = makeLoop();
  for (int i = 0; i < 4; ++i) loop->turn();  // three batches, then an empty poll settles
  // The next read may come before or after the writer's line; the commits never do.
  auto events = log_.events();
  std::vector<std::string> commits_and_writes;
  for (const auto& event : events) {
    if (event.rfind("read", 0) != 0) commits_and_writes.push_back(event);
  }
  EXPECT_EQ(commits_and_writes,
            (std::vector<std::string>{"write 0..2", "commit 0..2", "write 3..4", "commit 3..4",
                                      "write 5..8", "commit 5..8"}));
  EXPECT_EQ(events.size(), 9u);  // and three reads
  EXPECT_EQ(source_.committed, 9);
  EXPECT_EQ(loop->totals().batches, 3u);
  EXPECT_EQ(loop->totals().inserted, 9u);
  EXPECT_EQ(metrics_.rows_inserted.value(), 9u);
}

TEST_F(ConsumeLoopTest, ReadsTheNextBatchWhileTheWriterStoresOneAndCommitsNothingEarly) {
  store_.hold = true;
  source_.batches = {batchAt(0, 2), batchAt(2, 2)};
  auto loop = makeLoop();
  loop->turn();  // batch 0..1 to the writer, which is held
  std::thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    // The second batch was read while the first was held, and nothing is committed.
    const auto events = log_.events();
    EXPECT_EQ(events, (std::vector<std::string>{"read 0..1", "read 2..3"}));
    store_.release();
    store_.release();
  });
  loop->turn();  // reads 2..3, then waits for 0..1 to be stored before handing 2..3 over
  releaser.join();
  loop->finish();
  EXPECT_EQ(source_.committed, 4);
  EXPECT_TRUE(source_.closed);
}

TEST_F(ConsumeLoopTest, RetriesTheSameBatchWhileTheStoreFailsAndCommitsOnlyAfterSuccess) {
  store_.failures = 3;
  source_.batches = {batchAt(0, 2)};
  auto loop = makeLoop();
  loop->turn();
  loop->turn();  // empty: settles
  EXPECT_EQ(log_.events(),
            (std::vector<std::string>{"read 0..1", "failed write 0..1", "failed write 0..1",
                                      "failed write 0..1", "write 0..1", "commit 0..1"}));
  EXPECT_EQ(loop->totals().failed_attempts, 3u);
  EXPECT_EQ(metrics_.transaction_failures.value(), 3u);
  EXPECT_FALSE(metrics_.database_failing.isSet());  // cleared by the success
  EXPECT_EQ(loop->totals().batches, 1u);
}

TEST_F(ConsumeLoopTest, AStopWhileTheStoreIsDownLeavesTheBatchUncommitted) {
  store_.failures = 1'000'000;
  source_.batches = {batchAt(0, 2)};
  auto loop = makeLoop();
  loop->turn();
  std::this_thread::sleep_for(20ms);  // a few failed attempts
  shutdown_.request();
  loop->finish();
  EXPECT_EQ(source_.committed, -1);
  EXPECT_EQ(loop->totals().batches, 0u);
  EXPECT_GT(loop->totals().failed_attempts, 0u);
  EXPECT_TRUE(metrics_.database_failing.isSet());
  EXPECT_TRUE(source_.closed);
}

TEST_F(ConsumeLoopTest, AMalformedMessageIsStoredAsRejectedAndCommittedWithItsBatch) {
  auto batch = batchAt(0, 3);
  batch[1].payload = "{not json";
  source_.batches = {batch};
  auto loop = makeLoop();
  loop->turn();
  loop->turn();
  EXPECT_EQ(source_.committed, 3);
  EXPECT_EQ(loop->totals().inserted, 2u);
  EXPECT_EQ(loop->totals().rejected, 1u);
}

std::vector<std::string> withoutReads(const std::vector<std::string>& events) {
  std::vector<std::string> out;
  for (const auto& event : events) {
    if (event.rfind("read", 0) != 0) out.push_back(event);
  }
  return out;
}

TEST_F(ConsumeLoopTest, ABatchBehindTheStoredOffsetIsNeitherCommittedNorReadAheadButReadAgain) {
  store_.stored_next = 5;  // another consumer stored 0..4
  source_.batches = {batchAt(0, 3), batchAt(3, 4), batchAt(5, 2)};
  auto loop = makeLoop();
  loop->turn();  // 0..2 to the writer
  loop->turn();  // reads 3..6; 0..2 is refused: rewind to 5, and 3..6 (read before) dropped
  loop->turn();  // reads 5..6, as the rewound partition gives it
  loop->turn();  // empty: settles
  EXPECT_EQ(withoutReads(log_.events()),
            (std::vector<std::string>{"write 0..2", "rewind 5", "write 5..6", "commit 5..6"}));
  EXPECT_EQ(source_.committed, 7);
  EXPECT_EQ(store_.stored_next, 7);
  EXPECT_EQ(metrics_.offset_mismatches.value(), 1u);
  EXPECT_EQ(loop->totals().not_stored, 3u);
  EXPECT_EQ(loop->totals().inserted, 2u);
}

TEST_F(ConsumeLoopTest, AStoredOffsetKafkaNoLongerHoldsMovesToThePartitionsStartOnce) {
  store_.stored_next = 5;  // but retention deleted everything before 100
  source_.range = BatchSource::LogRange{100, 150};
  // The second batch was read before the rewind (and is dropped), the third after it.
  source_.batches = {batchAt(100, 2), batchAt(102, 2), batchAt(100, 2)};
  auto loop = makeLoop();
  loop->turn();
  loop->turn();  // settles 100..101 (refused: 5 is stored), moves 5 to 100, drops 102..103
  loop->turn();
  loop->turn();
  EXPECT_EQ(withoutReads(log_.events()),
            (std::vector<std::string>{"write 100..101", "move 5 to 100", "rewind 100",
                                      "write 100..101", "commit 100..101"}));
  EXPECT_EQ(store_.stored_next, 102);
}

TEST_F(ConsumeLoopTest, ABatchAheadOfAStoredOffsetKafkaStillHoldsIsReadAgainFromThere) {
  store_.stored_next = 5;
  source_.batches = {batchAt(8, 2), batchAt(10, 2), batchAt(5, 2)};
  auto loop = makeLoop();
  for (int i = 0; i < 4; ++i) loop->turn();
  EXPECT_EQ(withoutReads(log_.events()),
            (std::vector<std::string>{"write 8..9", "rewind 5", "write 5..6", "commit 5..6"}));
}

TEST_F(ConsumeLoopTest, WritesTheStatsLineWhenTheIntervalHasPassedOnTheLoopsClock) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("consume-loop-test", sink));
  config_.stats_interval = 10s;
  source_.batches = {batchAt(0, 5)};
  {
    auto loop = makeLoop();
    loop->turn();
    loop->turn();
    now_ = now_.load() + 9s;
    loop->turn();  // not yet
    now_ = now_.load() + 1s;
    loop->turn();
    loop->finish();
  }
  spdlog::set_default_logger(previous);
  std::vector<std::string> stats;
  for (const auto& line : sink->last_formatted()) {
    if (line.find("stats batches=") != std::string::npos) stats.push_back(line);
  }
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_NE(stats[0].find("stats batches=1 inserted=5 "), std::string::npos) << stats[0];
  EXPECT_NE(stats[0].find("inserted_per_s=0.5 "), std::string::npos) << stats[0];
}

}  // namespace
}  // namespace webmon::consumer
