#include "producer/probe_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "producer/report_builder.h"

namespace webmon::producer {
namespace {

// The sections of a reloaded config that differ from the running one and need a restart.
std::string sectionsNeedingRestart(const common::Config& running, const common::Config& fresh) {
  std::string sections;
  auto note = [&](bool differs, const char* name) {
    if (differs) sections += (sections.empty() ? "" : ", ") + std::string(name);
  };
  note(running.kafka != fresh.kafka, "kafka");
  note(running.db != fresh.db, "db");
  note(running.logging != fresh.logging, "logging");
  note(running.producer != fresh.producer, "producer");
  return sections;
}

// A config read again (off this thread, by ConfigReloader) that is not valid: the running set
// stays exactly as it was.
void rejectReload(const ConfigReloader::Outcome& outcome, const std::string& path,
                  std::size_t running_urls) {
  spdlog::error(
      "config reload ({}) rejected: {} is not valid ({} problem{}); still probing the same {} "
      "urls. Fix the file and save it again (or send SIGHUP):",
      outcome.reason, path, outcome.problems.size(), outcome.problems.size() == 1 ? "" : "s",
      running_urls);
  for (const auto& problem : outcome.problems) spdlog::error("  {}", problem);
}

// A valid config read again, now wholly in the table.
void reportReload(const ConfigReloader::Outcome& outcome, const common::Config& running,
                  std::size_t urls) {
  const auto& summary = outcome.edit->summary();
  spdlog::info("config reloaded ({}): {} urls: {} added, {} removed, {} changed, {} unchanged",
               outcome.reason, urls, summary.added, summary.removed, summary.changed,
               summary.unchanged);
  if (auto sections = sectionsNeedingRestart(running, *outcome.config); !sections.empty()) {
    spdlog::warn(
        "config reload: changes to {} are not applied while running (only monitored_urls "
        "are); restart the producer to apply them",
        sections);
  }
}

std::chrono::microseconds lateness(const ProbeStart& probe) {
  return std::chrono::duration_cast<std::chrono::microseconds>(probe.started - probe.planned);
}

}  // namespace

ProbeLoop::ProbeLoop(common::Config& config, const std::string& config_path, common::EnvLookup env,
                     Parts parts, common::LoopClock clock)
    : running_(config),
      config_path_(config_path),
      parts_(parts),
      clock_(std::move(clock)),
      targets_(parts.ownership != nullptr ? TargetTable(*parts.ownership, clock_.wall)
                                          : TargetTable()),
      reload_(config_path, config.producer.watch_config),
      reloader_(config_path, std::move(env)) {
  const auto start = clock_.steady();
  targets_.start(config.monitored_urls, scheduler_, start, clock_.wall());
  config.monitored_urls.clear();  // the table holds them now
  reload_.watchTargetsDir(config.targets_dir);
  wake_fds_ = reload_.fds();
  wake_fds_.push_back(reloader_.fd());
  wake_fds_.push_back(parts_.stop_fd);
  if (parts_.ownership != nullptr) wake_fds_.push_back(parts_.ownership->fd());
  last_stats_ = start;
  next_stats_ = start + running_.producer.stats_interval;
  parts_.metrics.monitored_urls.set(static_cast<double>(targets_.size()));
  parts_.metrics.owned_urls.set(static_cast<double>(ownedUrls()));
  parts_.heartbeat.set(start);
}

void ProbeLoop::turn() {
  const auto now = clock_.steady();
  startDueProbes(now);
  parts_.prober.poll(waitBudget(now), wake_fds_, finished_);
  collect();
  reload_.collect(clock_.steady());
  if (auto reason = reload_.take(clock_.steady())) reloader_.request(*reason);
  stepReload();
  if (parts_.ownership != nullptr && parts_.ownership->refresh()) followOwnership();
  countSkippedRuns();
  parts_.heartbeat.set(clock_.steady());
  reportDrops();
  logStatsIfDue(now);
}

void ProbeLoop::drain() {
  spdlog::info("shutting down: no new probes; waiting for {} in flight", parts_.prober.inFlight());
  while (parts_.prober.inFlight() > 0) {
    parts_.prober.poll(std::chrono::milliseconds(100), {}, finished_);
    collect();
  }
  // Runs cut short by the stop still report the attempts they made.
  complete_runs_ = series_.takeUnfinished();
  publishRuns();
}

void ProbeLoop::startDueProbes(TimePoint now) {
  const auto limit = running_.producer.max_concurrent_probes;
  while (parts_.prober.inFlight() < limit) {
    // A run's next attempt first: its spacing was promised, and it keeps the run short.
    if (auto next = series_.popDue(now)) {
      parts_.prober.start(next->target, next->url, next->planned, next->attempt);
      continue;
    }
    auto due = scheduler_.popDue(now);
    if (!due) break;
    parts_.prober.start(due->target, targets_.at(due->target), due->planned, 1);
  }
}

// Until the next probe is due (or a reload becomes due), at most a second; nothing at all
// while an edit is going into the table, so its next slice comes at once.
std::chrono::milliseconds ProbeLoop::waitBudget(TimePoint now) {
  if (reloading_) return std::chrono::milliseconds(0);
  auto until = [&](TimePoint when) {
    return std::clamp(std::chrono::ceil<std::chrono::milliseconds>(when - now),
                      std::chrono::milliseconds(0), kMaxIdleWait);
  };
  auto wait = kMaxIdleWait;
  // With every slot taken, only a finished probe (which wakes the poll) can start another.
  if (parts_.prober.inFlight() < running_.producer.max_concurrent_probes) {
    if (auto next = scheduler_.nextDue()) wait = until(*next);
    if (auto next = series_.nextDue()) wait = std::min(wait, until(*next));
  }
  if (auto due = reload_.due()) wait = std::min(wait, until(*due));
  return wait;
}

void ProbeLoop::collect() {
  const auto now = clock_.steady();
  for (auto& result : finished_) {
    const auto late = lateness(result);
    lag_.record(late);
    if (result.url->attempts > 1) {
      series_.add(std::move(result), now, complete_runs_);
    } else {
      publish(
          buildReport(result, *result.url, running_.producer.producer_id, running_.producer.region),
          *result.url, late);
    }
  }
  finished_.clear();
  publishRuns();
}

void ProbeLoop::publish(const common::ProbeReport& report, const common::MonitoredUrl& url,
                        std::chrono::microseconds late) {
  parts_.metrics.recordProbe(report, static_cast<double>(late.count()) / 1e6);
  ++totals_.probes;
  if (report.ok) ++totals_.probes_ok;
  spdlog::debug("probe url={} ok={} status={} ms={:.1f}{}", url.url, report.ok,
                report.http_status.value_or(0), report.response_time_ms,
                report.error ? " error=" + std::string(errorKindName(report.error->kind)) + ": " +
                                   report.error->message
                             : "");
  parts_.queue.push(QueuedReport{url.url, common::encodeReport(report)});
}

void ProbeLoop::publishRuns() {
  for (const auto& run : complete_runs_) {
    const auto& first = run.front();
    publish(
        buildRunReport(run, *first.url, running_.producer.producer_id, running_.producer.region),
        *first.url, lateness(first));
  }
  complete_runs_.clear();
}

// Takes the reloader's next outcome when none is going in; a rejected one changes nothing, a
// valid one goes into the table kReloadSlice URLs per turn.
void ProbeLoop::stepReload() {
  if (!reloading_) reloading_ = reloader_.take();
  if (!reloading_) return;
  if (!reloading_->config) {
    rejectReload(*reloading_, config_path_, targets_.size());
    parts_.metrics.reloads_rejected.inc();
  } else {
    targets_.applySome(*reloading_->edit, scheduler_, clock_.steady(), kReloadSlice);
    if (!reloading_->edit->done()) return;
    reportReload(*reloading_, running_, targets_.size());
    try {
      reload_.watchTargetsDir(reloading_->config->targets_dir);
    } catch (const std::exception& error) {
      spdlog::warn("config reload: {}; target files there are read on SIGHUP only", error.what());
    }
    parts_.metrics.reloads_applied.inc();
    parts_.metrics.monitored_urls.set(static_cast<double>(targets_.size()));
    parts_.metrics.owned_urls.set(static_cast<double>(ownedUrls()));
  }
  reloader_.discard(std::move(*reloading_));
  reloading_.reset();
}

// The group moved partitions to or from this member: its URLs follow, each on its phase.
void ProbeLoop::followOwnership() {
  const auto moved = targets_.reassign(scheduler_, clock_.steady());
  spdlog::info("shared targets: probing {} of {} urls ({} taken over, {} handed on)", ownedUrls(),
               targets_.size(), moved.started, moved.stopped);
  parts_.metrics.owned_urls.set(static_cast<double>(ownedUrls()));
}

void ProbeLoop::countSkippedRuns() {
  if (const auto skipped = scheduler_.skippedRuns(); skipped > skipped_counted_) {
    parts_.metrics.skipped_runs.inc(skipped - skipped_counted_);
    skipped_counted_ = skipped;
  }
}

void ProbeLoop::reportDrops() {
  const auto dropped = parts_.queue.dropped();
  std::uint64_t suppressed = 0;
  if (dropped > drops_logged_ && drop_log_.allow(suppressed)) {
    spdlog::warn(
        "report queue full (limit {}): dropped {} oldest reports ({} in total); kafka is {}",
        parts_.queue.limit(), dropped - drops_logged_, dropped,
        parts_.delivery.broker_up() ? "up but slower than the probes" : "unreachable");
    drops_logged_ = dropped;
  }
}

// One line an operator can grep and the benchmark parses: counters are totals since start;
// rate and lag cover the time since the previous line.
void ProbeLoop::logStatsIfDue(TimePoint now) {
  if (now < next_stats_) return;
  const double seconds = std::chrono::duration<double>(now - last_stats_).count();
  spdlog::info(
      "stats urls={} owned={} probes={} ok={} in_flight={} queued={} delivered={} dropped={} "
      "skipped_runs={} kafka={} probes_per_s={:.1f} lag_ms_p50={:.1f} lag_ms_p99={:.1f} "
      "lag_ms_max={:.1f}",
      targets_.size(), ownedUrls(), totals_.probes, totals_.probes_ok, parts_.prober.inFlight(),
      parts_.queue.size(), parts_.delivery.delivered(), parts_.queue.dropped(),
      scheduler_.skippedRuns(), parts_.delivery.broker_up() ? "up" : "down",
      seconds > 0 ? static_cast<double>(totals_.probes - probes_at_last_stats_) / seconds : 0.0,
      lag_.percentileMs(0.50), lag_.percentileMs(0.99), lag_.maxMs());
  next_stats_ = now + running_.producer.stats_interval;
  last_stats_ = now;
  probes_at_last_stats_ = totals_.probes;
  lag_.reset();
}

}  // namespace webmon::producer
