#pragma once
// Whether a URL is flapping: more than `transitions` incident opens and closes within `window`.
// A pure function of the transition times, walked in checked_at order, so a test can drive it
// by hand and the tracker (incident_tracker.h) only loads and stores it with monitor_state.

#include <optional>
#include <vector>

#include "common/alerts_config.h"
#include "common/probe_report.h"

namespace webmon::consumer::alerts {

struct FlapState {
  std::vector<common::SystemTime> recent;   // transitions inside the window, oldest first
  std::optional<common::SystemTime> since;  // set while flapping
};

enum class FlapChange { None, Started, Ended };

/// An incident opened or closed at `at`. `Started` when this one makes too many: the caller
/// sends the one flapping notice instead of this transition's.
FlapChange recordTransition(FlapState& state, common::SystemTime at,
                            const common::FlappingRules& rules);

/// A probe at `at` with no transition: `Ended` once a flapping URL has had none for a whole
/// window.
FlapChange checkQuiet(FlapState& state, common::SystemTime at, const common::FlappingRules& rules);

}  // namespace webmon::consumer::alerts
