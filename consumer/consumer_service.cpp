#include "consumer/consumer_service.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "common/backoff.h"
#include "common/status_server.h"
#include "consumer/alerts/incident_tracker.h"
#include "consumer/alerts/notification_dispatcher.h"
#include "consumer/consumer_metrics.h"
#include "consumer/history_retention.h"
#include "consumer/kafka_reader.h"
#include "consumer/report_writer.h"
#include "consumer/status/status_api_server.h"
#include "consumer/stored_offsets.h"

namespace webmon::consumer {
namespace {

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

// The schema first: a consumer that cannot store anything should not join the group. Returns
// when the migrations are applied or a stop is requested.
void ConsumerService::waitForSchema(ReportWriter& writer, common::Backoff& backoff,
                                    ConsumerMetrics& metrics, common::metrics::Moment& heartbeat) {
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
      shutdown_.sleepFor(delay);
      heartbeat.set(std::chrono::steady_clock::now());
    }
  }
  metrics.database_failing.clear();
}

// A receiver that keeps failing is worth a line on /healthz, but not a 503: restarting the
// consumer would not mend it, and its notifications are kept until it answers.
common::Health withReceivers(common::Health health,
                             const alerts::NotificationDispatcher& dispatcher,
                             std::chrono::milliseconds grace) {
  if (!health.healthy || dispatcher.failingSince().elapsed() <= grace) return health;
  health.reason = "notification receivers failing: " + dispatcher.failingReceivers() +
                  "; their notifications are kept and retried";
  return health;
}

ConsumerTotals ConsumerService::run() {
  auto tracker = std::make_shared<const alerts::IncidentTracker>(alerts::AlertPolicy(config_));
  ReportWriter writer(config_.db, config_.retention.reports_days, tracker);
  common::Backoff backoff(std::chrono::milliseconds(200), std::chrono::seconds(30));
  common::metrics::Registry registry;
  ConsumerMetrics metrics(registry);
  alerts::DispatcherOptions dispatch;
  dispatch.longest_retry = config_.alerts.retry_max;
  dispatch.first_retry = std::min(dispatch.first_retry, dispatch.longest_retry);
  alerts::NotificationDispatcher dispatcher(config_.db, tracker->policy(), dispatch, &registry);
  common::metrics::Moment loop_heartbeat;  // when the reading loop last turned
  loop_heartbeat.set(std::chrono::steady_clock::now());
  // Served from the start, so /healthz can say that the database is unreachable during
  // start-up too. The reader's lag joins once it exists (it is declared later, and the
  // server below stops before either goes away).
  auto status = common::startStatusServer(
      config_.consumer.metrics_listen, "consumer.metrics_listen", registry,
      [&metrics, &loop_heartbeat, &dispatcher, grace = config_.consumer.health_grace] {
        return withReceivers(consumerHealth(metrics, loop_heartbeat, grace), dispatcher, grace);
      },
      "the consumer");
  // The public page and API read PostgreSQL on their own connections; while the schema is
  // still missing they answer 503, as they do whenever PostgreSQL cannot answer.
  const auto status_api = status::startStatusApi(config_);

  waitForSchema(writer, backoff, metrics, loop_heartbeat);
  if (shutdown_.requested()) return {};
  RetentionSchedule retention(config_.db, config_.retention);
  if (!config_.alerts.receivers.empty()) {
    dispatcher.start(shutdown_);
    spdlog::info("delivering notifications to {} receivers", config_.alerts.receivers.size());
  }

  StoredOffsets stored_offsets(config_.db);  // where assigned partitions start
  KafkaReader reader(config_.kafka, config_.consumer, metrics.kafka_down, &stored_offsets);
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
  ConsumeLoop loop(config_.consumer, {reader, writer, metrics, loop_heartbeat, shutdown_},
                   std::move(backoff), common::LoopClock::system());
  while (!shutdown_.requested()) loop.turn();
  loop.finish();
  return loop.totals();
}

}  // namespace webmon::consumer
