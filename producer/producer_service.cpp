#include "producer/producer_service.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "common/logging.h"
#include "common/status_server.h"
#include "common/version.h"
#include "producer/attempt_series.h"
#include "producer/config_reloader.h"
#include "producer/kafka_publisher.h"
#include "producer/lag_histogram.h"
#include "producer/probe_runner.h"
#include "producer/probe_scheduler.h"
#include "producer/producer_metrics.h"
#include "producer/reload_trigger.h"
#include "producer/report_builder.h"
#include "producer/report_queue.h"
#include "producer/target_table.h"

namespace webmon::producer {
namespace {

using Clock = ProbeScheduler::Clock;
constexpr auto kMaxIdleWait = std::chrono::milliseconds(1000);
// URLs of a reloaded config put into the table per turn of the loop: about 3 ms of work on
// this machine, so an edit of 20,000 URLs is in within 20 turns and no turn is held up long.
constexpr std::size_t kReloadSlice = 1000;

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

// /healthz: unhealthy when the probe loop stopped turning or Kafka has been unreachable for
// longer than the grace period (reports pile up in memory and will be dropped at the limit).
common::Health producerHealth(const KafkaPublisher& publisher,
                              const common::metrics::Moment& loop_heartbeat,
                              std::chrono::milliseconds grace) {
  return common::firstUnhealthy(
      grace, {{loop_heartbeat.elapsed(), "the probe loop has not run", ""},
              {publisher.downFor(), "kafka unreachable", "reports are buffered in memory"}});
}

}  // namespace

ProducerService::ProducerService(common::Config config, std::string config_path,
                                 common::ShutdownSignal& shutdown)
    : config_(std::move(config)), config_path_(std::move(config_path)), shutdown_(shutdown) {}

ProducerTotals ProducerService::run() {
  ProducerTotals totals;
  ReportQueue queue(config_.producer.queue_limit);
  KafkaPublisher publisher(config_.kafka, config_.producer, queue);
  std::atomic<bool> stop_publisher{false};
  std::exception_ptr publisher_failure;
  std::thread publisher_thread([&] {
    try {
      totals.undelivered = publisher.run(stop_publisher);
    } catch (...) {
      publisher_failure = std::current_exception();
      shutdown_.request();
    }
  });
  // If anything below throws, the publisher must still be stopped and joined: a joinable
  // std::thread destroyed while unwinding ends the process without a word.
  struct StopPublisherOnExit {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~StopPublisherOnExit() {
      if (thread.joinable()) {
        stop = true;
        thread.join();
      }
    }
  } stop_publisher_on_exit{stop_publisher, publisher_thread};

  ProbeScheduler scheduler;
  TargetTable targets;
  const auto start = Clock::now();
  const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  targets.start(config_.monitored_urls, scheduler, start, wall);
  config_.monitored_urls.clear();  // the table holds them now
  ReloadTrigger reload(config_path_, config_.producer.watch_config);
  ConfigReloader reloader(config_path_, common::processEnvironment());
  std::optional<ConfigReloader::Outcome> reloading;  // an edit going into the table
  std::vector<int> wake_fds = reload.fds();
  wake_fds.push_back(reloader.fd());
  wake_fds.push_back(shutdown_.fd());
  common::metrics::Registry registry;
  ProducerMetrics metrics(registry);
  metrics.monitored_urls.set(static_cast<double>(targets.size()));
  registry.sampled("webmon_report_queue_depth", "Reports waiting to be sent to Kafka.", "gauge",
                   [&queue] { return static_cast<double>(queue.size()); });
  registry.sampled("webmon_report_queue_limit", "producer.queue_limit.", "gauge",
                   [&queue] { return static_cast<double>(queue.limit()); });
  registry.sampled("webmon_reports_dropped_total",
                   "Oldest reports dropped because the queue was full.", "counter",
                   [&queue] { return static_cast<double>(queue.dropped()); });
  registry.sampled("webmon_reports_delivered_total", "Reports Kafka acknowledged.", "counter",
                   [&publisher] { return static_cast<double>(publisher.delivered()); });
  registry.sampled("webmon_kafka_delivery_errors_total",
                   "Reports Kafka refused or timed out on; each was queued again.", "counter",
                   [&publisher] { return static_cast<double>(publisher.deliveryErrors()); });
  registry.sampled("webmon_kafka_up", "1 while Kafka is reachable, 0 while reports buffer.",
                   "gauge", [&publisher] { return publisher.brokerUp() ? 1.0 : 0.0; });
  common::metrics::Moment loop_heartbeat;  // when the probe loop last turned
  loop_heartbeat.set(Clock::now());
  auto status = common::startStatusServer(
      config_.producer.metrics_listen, "producer.metrics_listen", registry,
      [&publisher, &loop_heartbeat, grace = config_.producer.health_grace] {
        return producerHealth(publisher, loop_heartbeat, grace);
      },
      "the producer");
  HostResolver::Options resolver;
  resolver.cache = config_.producer.dns_cache;
  ProbeRunner prober(std::string("webmon/") + common::kVersion, resolver);
  std::vector<ProbeResult> finished;
  const auto stats_interval = config_.producer.stats_interval;
  auto next_stats = start + stats_interval;
  auto last_stats = start;
  std::uint64_t probes_at_last_stats = 0;
  // How late probes start against their plan, since the last stats line.
  LagHistogram lag;
  spdlog::info("probing {} urls; kafka {} topic {}; queue limit {}; config reloads on SIGHUP{}",
               targets.size(), config_.kafka.bootstrapList(), config_.kafka.topic, queue.limit(),
               config_.producer.watch_config ? " and when the file changes" : "");

  // Drops are never silent: a warning at most every 10 s, with the running total.
  common::RateLimiter drop_log(std::chrono::seconds(10));
  std::uint64_t drops_logged = 0;
  auto reportDrops = [&] {
    const auto dropped = queue.dropped();
    std::uint64_t suppressed = 0;
    if (dropped > drops_logged && drop_log.allow(suppressed)) {
      spdlog::warn(
          "report queue full (limit {}): dropped {} oldest reports ({} in total); kafka is "
          "{}",
          queue.limit(), dropped - drops_logged, dropped,
          publisher.brokerUp() ? "up but slower than the probes" : "unreachable");
      drops_logged = dropped;
    }
  };

  // URLs with several attempts per period: their attempts until the period's last is in.
  AttemptSeries series;
  std::vector<std::vector<ProbeResult>> complete_runs;
  auto publish = [&](const common::ProbeReport& report, const common::MonitoredUrl& url,
                     std::chrono::microseconds late) {
    metrics.recordProbe(report, static_cast<double>(late.count()) / 1e6);
    ++totals.probes;
    if (report.ok) ++totals.probes_ok;
    spdlog::debug("probe url={} ok={} status={} ms={:.1f}{}", url.url, report.ok,
                  report.http_status.value_or(0), report.response_time_ms,
                  report.error ? " error=" + std::string(errorKindName(report.error->kind)) + ": " +
                                     report.error->message
                               : "");
    queue.push(QueuedReport{url.url, common::encodeReport(report)});
  };
  auto publishRuns = [&] {
    for (const auto& run : complete_runs) {
      const auto& first = run.front();
      publish(buildRunReport(run, *first.url, config_.producer.producer_id), *first.url,
              std::chrono::duration_cast<std::chrono::microseconds>(first.started - first.planned));
    }
    complete_runs.clear();
  };
  auto collect = [&] {
    const auto now = Clock::now();
    for (auto& result : finished) {
      const auto late =
          std::chrono::duration_cast<std::chrono::microseconds>(result.started - result.planned);
      lag.record(late);
      if (result.url->attempts > 1) {
        series.add(std::move(result), now, complete_runs);
      } else {
        publish(buildReport(result, *result.url, config_.producer.producer_id), *result.url, late);
      }
    }
    finished.clear();
    publishRuns();
  };

  std::uint64_t skipped_counted = 0;
  while (!shutdown_.requested()) {
    auto now = Clock::now();
    while (prober.inFlight() < config_.producer.max_concurrent_probes) {
      // A run's next attempt first: its spacing was promised, and it keeps the run short.
      if (auto next = series.popDue(now)) {
        prober.start(next->target, next->url, next->planned, next->attempt);
        continue;
      }
      auto due = scheduler.popDue(now);
      if (!due) break;
      prober.start(due->target, targets.at(due->target), due->planned);
    }
    auto wait = kMaxIdleWait;
    auto untilNext = [&](Clock::time_point when) {
      return std::clamp(std::chrono::ceil<std::chrono::milliseconds>(when - now),
                        std::chrono::milliseconds(0), kMaxIdleWait);
    };
    if (prober.inFlight() < config_.producer.max_concurrent_probes) {
      if (auto next = scheduler.nextDue()) wait = untilNext(*next);
      if (auto next = series.nextDue()) wait = std::min(wait, untilNext(*next));
    }
    if (auto reload_due = reload.due()) wait = std::min(wait, untilNext(*reload_due));
    if (reloading) wait = std::chrono::milliseconds(0);  // the next slice of the edit
    prober.poll(wait, wake_fds, finished);
    collect();
    reload.collect(Clock::now());
    if (auto reason = reload.take(Clock::now())) reloader.request(*reason);
    if (!reloading) reloading = reloader.take();
    if (reloading && !reloading->config) {
      rejectReload(*reloading, config_path_, targets.size());
      metrics.reloads_rejected.inc();
      reloader.discard(std::move(*reloading));
      reloading.reset();
    } else if (reloading) {
      targets.applySome(*reloading->edit, scheduler, Clock::now(), kReloadSlice);
      if (reloading->edit->done()) {
        reportReload(*reloading, config_, targets.size());
        metrics.reloads_applied.inc();
        metrics.monitored_urls.set(static_cast<double>(targets.size()));
        reloader.discard(std::move(*reloading));
        reloading.reset();
      }
    }
    if (const auto skipped = scheduler.skippedRuns(); skipped > skipped_counted) {
      metrics.skipped_runs.inc(skipped - skipped_counted);
      skipped_counted = skipped;
    }
    loop_heartbeat.set(Clock::now());
    reportDrops();
    if (now >= next_stats) {
      // One line an operator can grep and the benchmark parses: counters are totals since
      // start; rate and lag cover the time since the previous line.
      const double seconds = std::chrono::duration<double>(now - last_stats).count();
      spdlog::info(
          "stats urls={} probes={} ok={} in_flight={} queued={} delivered={} dropped={} "
          "skipped_runs={} kafka={} probes_per_s={:.1f} lag_ms_p50={:.1f} lag_ms_p99={:.1f} "
          "lag_ms_max={:.1f}",
          targets.size(), totals.probes, totals.probes_ok, prober.inFlight(), queue.size(),
          publisher.delivered(), queue.dropped(), scheduler.skippedRuns(),
          publisher.brokerUp() ? "up" : "down",
          seconds > 0 ? static_cast<double>(totals.probes - probes_at_last_stats) / seconds : 0.0,
          lag.percentileMs(0.50), lag.percentileMs(0.99), lag.maxMs());
      next_stats = now + stats_interval;
      last_stats = now;
      probes_at_last_stats = totals.probes;
      lag.reset();
    }
  }

  spdlog::info("shutting down: no new probes; waiting for {} in flight", prober.inFlight());
  while (prober.inFlight() > 0) {
    prober.poll(std::chrono::milliseconds(100), {}, finished);
    collect();
  }
  // Runs cut short by the stop still report the attempts they made.
  complete_runs = series.takeUnfinished();
  publishRuns();
  stop_publisher = true;
  publisher_thread.join();
  if (publisher_failure) std::rethrow_exception(publisher_failure);
  totals.delivered = publisher.delivered();
  totals.dropped = queue.dropped();
  return totals;
}

}  // namespace webmon::producer
