#include "consumer/alerts/flapping.h"

#include <algorithm>

namespace webmon::consumer::alerts {
namespace {

bool enabled(const common::FlappingRules& rules) {
  return rules.transitions > 0 && rules.window.count() > 0;
}

}  // namespace

FlapChange recordTransition(FlapState& state, common::SystemTime at,
                            const common::FlappingRules& rules) {
  if (!enabled(rules)) {
    state.recent.clear();
    const bool was_flapping = state.since.has_value();
    state.since.reset();
    return was_flapping ? FlapChange::Ended : FlapChange::None;
  }
  const auto oldest_kept = at - rules.window;
  std::erase_if(state.recent, [&](common::SystemTime t) { return t <= oldest_kept; });
  state.recent.push_back(at);
  // Only "more than N" matters, so N + 1 times are enough, and the row stays small.
  const auto keep = static_cast<std::size_t>(rules.transitions) + 1;
  if (state.recent.size() > keep) {
    state.recent.erase(state.recent.begin(),
                       state.recent.begin() + static_cast<long>(state.recent.size() - keep));
  }
  if (!state.since && state.recent.size() > static_cast<std::size_t>(rules.transitions)) {
    state.since = at;
    return FlapChange::Started;
  }
  return FlapChange::None;
}

FlapChange checkQuiet(FlapState& state, common::SystemTime at, const common::FlappingRules& rules) {
  if (!state.since) return FlapChange::None;
  const bool quiet =
      !enabled(rules) || state.recent.empty() || at - state.recent.back() >= rules.window;
  if (!quiet) return FlapChange::None;
  state.since.reset();
  state.recent.clear();
  return FlapChange::Ended;
}

}  // namespace webmon::consumer::alerts
