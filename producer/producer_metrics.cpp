#include "producer/producer_metrics.h"

namespace webmon::producer {
namespace {

constexpr const char* kProbes = "webmon_probes_total";
constexpr const char* kProbesHelp = "Probes finished, by result: ok or the error kind.";

}  // namespace

ProducerMetrics::ProducerMetrics(common::metrics::Registry& registry)
    : monitored_urls(registry.gauge("webmon_monitored_urls", "URLs the config lists.")),
      owned_urls(registry.gauge("webmon_owned_urls",
                                "URLs this producer probes: all alone, its share in a group.")),
      reloads_applied(registry.counter("webmon_config_reloads_total",
                                       "Config reloads, by outcome (a rejected edit changes "
                                       "nothing).",
                                       {{"result", "applied"}})),
      reloads_rejected(
          registry.counter("webmon_config_reloads_total", "", {{"result", "rejected"}})),
      skipped_runs(registry.counter(
          "webmon_skipped_runs_total",
          "Scheduled probes skipped because the loop fell a whole period behind.")),
      probes_ok_(registry.counter(kProbes, kProbesHelp, {{"result", "ok"}})),
      duration_(registry.histogram("webmon_probe_duration_seconds",
                                   "How long probes took, start to finish or failure.",
                                   {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})),
      lag_(registry.histogram("webmon_schedule_lag_seconds",
                              "How late probes started against their schedule.",
                              {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})) {
  for (std::size_t kind = 0; kind < kErrorKinds; ++kind) {
    const auto name = common::errorKindName(static_cast<common::ErrorKind>(kind));
    probes_failed_[kind] = &registry.counter(kProbes, kProbesHelp, {{"result", std::string(name)}});
  }
}

void ProducerMetrics::recordProbe(const common::ProbeReport& report, double lag_seconds) {
  if (report.error) {
    const auto kind = static_cast<std::size_t>(report.error->kind);
    if (kind < kErrorKinds) probes_failed_[kind]->inc();
  } else {
    probes_ok_.inc();
  }
  duration_.observe(report.response_time_ms / 1000.0);
  lag_.observe(lag_seconds);
}

}  // namespace webmon::producer
