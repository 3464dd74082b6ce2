#pragma once
// Moves each URL's monitor_state with the reports one batch's transaction inserted, opens and
// closes incidents, and queues their notifications in the outbox, all in that transaction: a
// redelivered batch inserts no report, so it moves nothing and queues nothing twice. A URL in
// a maintenance window or flapping is held: its transitions are recorded but not told until
// the hold ends, and then only what changed.

#include <cstddef>
#include <pqxx/transaction_base>
#include <vector>

#include "common/probe_report.h"
#include "consumer/alerts/alert_policy.h"

namespace webmon::consumer::alerts {

struct TrackResult {
  std::size_t opened = 0, closed = 0, notifications = 0;
};

class IncidentTracker {
 public:
  explicit IncidentTracker(AlertPolicy policy) : policy_(std::move(policy)) {}

  /// `reports`: those the transaction inserted, in any order (applied per URL by checked_at).
  TrackResult apply(pqxx::transaction_base& tx,
                    const std::vector<const common::ProbeReport*>& reports) const;

  const AlertPolicy& policy() const noexcept { return policy_; }

 private:
  class UrlSteps;  // one URL's probes of the batch, in order
  AlertPolicy policy_;
};

}  // namespace webmon::consumer::alerts
