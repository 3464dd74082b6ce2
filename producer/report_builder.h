#pragma once
// Judges a finished probe: what libcurl (or c-ares) saw becomes a report with ok/error and its
// kind.

#include <string>
#include <vector>

#include "common/config.h"
#include "common/probe_report.h"
#include "producer/probe_result.h"

namespace webmon::producer {

/// ok for HTTP 200-399; otherwise an error whose kind names the phase that failed.
/// Each phase's own duration from libcurl's cumulative times; unset for phases not reached.
common::PhaseTimings phaseTimings(const ProbeResult& result);

/// `region`: the producer's producer.region (empty: none, the report has no region).
common::ProbeReport buildReport(const ProbeResult& result, const common::MonitoredUrl& url,
                                const std::string& producer_id, const std::string& region = "");

/// One report for a period's attempts (URLs with `attempts` > 1), in the order they ran:
/// down only if every attempt failed; degraded if some failed or any was degraded; up if all
/// were up. The other fields come from the last attempt that succeeded (the last attempt when
/// none did); checked_at is when the first attempt started.
common::ProbeReport buildRunReport(const std::vector<ProbeResult>& attempts,
                                   const common::MonitoredUrl& url, const std::string& producer_id,
                                   const std::string& region = "");

}  // namespace webmon::producer
