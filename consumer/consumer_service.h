#pragma once
// The consumer service: applies the schema (retrying while PostgreSQL is down), serves
// /metrics and /healthz, joins the group, then turns ConsumeLoop until a stop is requested.

#include "common/backoff.h"
#include "common/config.h"
#include "common/metrics.h"
#include "common/shutdown_signal.h"
#include "consumer/consume_loop.h"

namespace webmon::consumer {

class ReportWriter;

class ConsumerService {
 public:
  ConsumerService(common::Config config, common::ShutdownSignal& shutdown);
  ConsumerTotals run();

 private:
  void waitForSchema(ReportWriter& writer, common::Backoff& backoff, ConsumerMetrics& metrics,
                     common::metrics::Moment& heartbeat);

  common::Config config_;
  common::ShutdownSignal& shutdown_;
};

}  // namespace webmon::consumer
