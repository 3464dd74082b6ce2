#include "producer/producer_service.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "common/status_server.h"
#include "common/version.h"
#include "producer/kafka_publisher.h"
#include "producer/probe_loop.h"
#include "producer/probe_runner.h"
#include "producer/producer_metrics.h"
#include "producer/publisher_thread.h"
#include "producer/report_queue.h"
#include "producer/target_group.h"

namespace webmon::producer {
namespace {

// /healthz: unhealthy when the probe loop stopped turning or Kafka has been unreachable for
// longer than the grace period (reports pile up in memory and will be dropped at the limit).
common::Health producerHealth(const KafkaPublisher& publisher,
                              const common::metrics::Moment& loop_heartbeat,
                              std::chrono::milliseconds grace) {
  return common::firstUnhealthy(
      grace, {{loop_heartbeat.elapsed(), "the probe loop has not run", ""},
              {publisher.downFor(), "kafka unreachable", "reports are buffered in memory"}});
}

// What /metrics samples from the queue and the publisher at scrape time.
void sampleDelivery(common::metrics::Registry& registry, const ReportQueue& queue,
                    const KafkaPublisher& publisher) {
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
}

}  // namespace

ProducerService::ProducerService(common::Config config, std::string config_path,
                                 common::ShutdownSignal& shutdown)
    : config_(std::move(config)), config_path_(std::move(config_path)), shutdown_(shutdown) {}

ProducerTotals ProducerService::run() {
  ProducerTotals totals;
  ReportQueue queue(config_.producer.queue_limit);
  KafkaPublisher publisher(config_.kafka, config_.producer, queue);
  PublisherThread publishing(publisher, shutdown_);
  common::metrics::Registry registry;
  ProducerMetrics metrics(registry);
  sampleDelivery(registry, queue, publisher);
  common::metrics::Moment loop_heartbeat;  // when the probe loop last turned
  HostResolver::Options resolver;
  resolver.cache = config_.producer.dns_cache;
  ProbeRunner prober(std::string("webmon/") + common::kVersion, resolver);
  std::optional<TargetGroup> group;  // shared targets; none: this producer probes every URL
  if (!config_.producer.group.empty()) group.emplace(config_.kafka, config_.producer);
  ProbeLoop loop(config_, config_path_, common::processEnvironment(),
                 {prober, queue, metrics, loop_heartbeat,
                  DeliveryView{[&publisher] { return publisher.delivered(); },
                               [&publisher] { return publisher.brokerUp(); }},
                  shutdown_.fd(), group ? &*group : nullptr},
                 common::LoopClock::system());
  // Declared after everything it reads, so it stops serving before they go away.
  auto status = common::startStatusServer(
      config_.producer.metrics_listen, "producer.metrics_listen", registry,
      [&publisher, &loop_heartbeat, grace = config_.producer.health_grace] {
        return producerHealth(publisher, loop_heartbeat, grace);
      },
      "the producer");
  spdlog::info("probing {} urls; kafka {} topic {}; queue limit {}; config reloads on SIGHUP{}",
               loop.urls(), config_.kafka.bootstrapList(), config_.kafka.topic, queue.limit(),
               config_.producer.watch_config ? " and when the file changes" : "");

  while (!shutdown_.requested()) loop.turn();
  // Leaving first hands this member's URLs over while its last probes finish.
  if (group) group->leave();
  loop.drain();
  totals.undelivered = publishing.join();
  totals.probes = loop.totals().probes;
  totals.probes_ok = loop.totals().probes_ok;
  totals.delivered = publisher.delivered();
  totals.dropped = queue.dropped();
  return totals;
}

}  // namespace webmon::producer
