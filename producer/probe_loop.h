#pragma once
// The producer's probe loop, one turn at a time: start the probes that are due, wait for the
// probers (or a wake-up), turn finished probes into reports on the queue, put a reloaded
// config into the table a slice at a time, log a stats line. ProducerService owns what talks
// to the outside (the Kafka publisher and its thread, the status server) and turns this loop;
// the loop's unit tests turn it with a scripted prober and a clock they move by hand.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/logging.h"
#include "common/loop_clock.h"
#include "common/metrics.h"
#include "producer/attempt_series.h"
#include "producer/config_reloader.h"
#include "producer/lag_histogram.h"
#include "producer/probe_scheduler.h"
#include "producer/prober.h"
#include "producer/producer_metrics.h"
#include "producer/reload_trigger.h"
#include "producer/report_queue.h"
#include "producer/target_table.h"
#include "producer/url_ownership.h"

namespace webmon::producer {

/// What the loop reads of the Kafka side, for its log lines.
struct DeliveryView {
  std::function<std::uint64_t()> delivered;
  std::function<bool()> broker_up;
};

struct ProbeLoopTotals {
  std::uint64_t probes = 0;
  std::uint64_t probes_ok = 0;
};

class ProbeLoop {
 public:
  struct Parts {
    Prober& prober;
    ReportQueue& queue;
    ProducerMetrics& metrics;
    common::metrics::Moment& heartbeat;  // set at the end of every turn; /healthz reads it
    DeliveryView delivery;
    int stop_fd;  // readable once a stop is requested: wakes the wait at once
    // Shared targets: which URLs this member probes. Null: a producer alone probes them all.
    UrlOwnership* ownership = nullptr;
  };

  /// Schedules `config`'s monitored_urls (moved out of it into the table). `config_path` is
  /// read again on SIGHUP and, if producer.watch_config, when the file changes.
  ProbeLoop(common::Config& config, const std::string& config_path, common::EnvLookup env,
            Parts parts, common::LoopClock clock);

  /// One turn; waits at most a second, less when a probe is due sooner.
  void turn();
  /// After a stop: starts nothing new, waits for the probes in flight, and queues every
  /// report, those of attempt series cut short included.
  void drain();

  std::size_t urls() const noexcept { return targets_.size(); }
  /// The URLs this producer probes: all of them alone, its share in a group.
  std::size_t ownedUrls() const noexcept { return scheduler_.size(); }
  const ProbeLoopTotals& totals() const noexcept { return totals_; }

  /// URLs of a reloaded config put into the table per turn: about 3 ms of work on this
  /// machine, so an edit of 20,000 URLs is in within 20 turns and no turn is held up long.
  static constexpr std::size_t kReloadSlice = 1000;
  static constexpr std::chrono::milliseconds kMaxIdleWait{1000};

 private:
  using TimePoint = ProbeScheduler::TimePoint;

  void startDueProbes(TimePoint now);
  std::chrono::milliseconds waitBudget(TimePoint now);
  void collect();
  void publish(const common::ProbeReport& report, const common::MonitoredUrl& url,
               std::chrono::microseconds late);
  void publishRuns();
  void stepReload();
  void followOwnership();
  void countSkippedRuns();
  void reportDrops();
  void logStatsIfDue(TimePoint now);

  const common::Config& running_;  // the config started with: reloads only change its URLs
  std::string config_path_;
  Parts parts_;
  common::LoopClock clock_;
  ProbeScheduler scheduler_;
  TargetTable targets_;
  AttemptSeries series_;  // URLs with several attempts per period, until the last is in
  ReloadTrigger reload_;
  ConfigReloader reloader_;
  std::optional<ConfigReloader::Outcome> reloading_;  // an edit going into the table
  std::vector<int> wake_fds_;
  std::vector<ProbeResult> finished_;                    // reused every turn
  std::vector<std::vector<ProbeResult>> complete_runs_;  // reused every turn
  LagHistogram lag_;  // how late probes started against their plan, since the last stats line
  ProbeLoopTotals totals_;
  TimePoint last_stats_;
  TimePoint next_stats_;
  std::uint64_t probes_at_last_stats_ = 0;
  std::uint64_t skipped_counted_ = 0;
  // Drops are never silent: a warning at most every 10 s, with the running total.
  common::RateLimiter drop_log_{std::chrono::seconds(10)};
  std::uint64_t drops_logged_ = 0;
};

}  // namespace webmon::producer
