#include "producer/probe_scheduler.h"

#include <stdexcept>

namespace webmon::producer {

void ProbeScheduler::add(std::size_t target, std::chrono::milliseconds period,
                         std::chrono::milliseconds first_offset, TimePoint start) {
  if (period.count() <= 0) throw std::invalid_argument("ProbeScheduler: period must be > 0");
  if (target >= targets_.size()) targets_.resize(target + 1);
  Target& state = targets_[target];
  if (state.live) throw std::logic_error("ProbeScheduler: target added twice");
  state.live = true;
  ++state.generation;
  state.period = period;
  state.next = start + first_offset;
  ++live_targets_;
  heap_.push(Entry{state.next, target, state.generation});
}

void ProbeScheduler::remove(std::size_t target) {
  if (!contains(target)) return;
  Target& state = targets_[target];
  state.live = false;
  ++state.generation;  // its heap entry is now stale
  --live_targets_;
}

void ProbeScheduler::changePeriod(std::size_t target, std::chrono::milliseconds period,
                                  TimePoint now) {
  if (!contains(target) || period.count() <= 0) return;
  Target& state = targets_[target];
  if (state.period == period) return;
  const TimePoint last = state.next - state.period;
  state.period = period;
  state.next = std::max(last + period, now);
  ++state.generation;
  heap_.push(Entry{state.next, target, state.generation});
}

bool ProbeScheduler::contains(std::size_t target) const noexcept {
  return target < targets_.size() && targets_[target].live;
}

void ProbeScheduler::discardStale() {
  while (!heap_.empty()) {
    const Entry& top = heap_.top();
    const Target& state = targets_[top.target];
    if (state.live && state.generation == top.generation) return;
    heap_.pop();
  }
}

std::optional<ProbeScheduler::TimePoint> ProbeScheduler::nextDue() {
  discardStale();
  if (heap_.empty()) return std::nullopt;
  return heap_.top().planned;
}

std::optional<ProbeScheduler::Due> ProbeScheduler::popDue(TimePoint now) {
  discardStale();
  if (heap_.empty() || heap_.top().planned > now) return std::nullopt;
  Entry entry = heap_.top();
  heap_.pop();
  Target& state = targets_[entry.target];
  const Due due{entry.target, entry.planned};
  entry.planned += state.period;
  if (entry.planned <= now) {
    const auto behind = now - entry.planned;
    const auto missed = behind / state.period + 1;
    skipped_runs_ += static_cast<std::uint64_t>(missed);
    entry.planned += missed * state.period;
  }
  state.next = entry.planned;
  heap_.push(entry);
  return due;
}

std::chrono::milliseconds spreadOffset(std::string_view url, std::chrono::milliseconds period) {
  // FNV-1a: stable across runs and platforms, unlike std::hash.
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : url) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  const auto span = static_cast<std::uint64_t>(period.count());
  return std::chrono::milliseconds(span == 0 ? 0 : static_cast<long long>(hash % span));
}

std::chrono::milliseconds firstRunDelay(std::string_view url, std::chrono::milliseconds period,
                                        std::chrono::milliseconds now_since_epoch) {
  if (period.count() <= 0) return std::chrono::milliseconds(0);
  const auto into_period = now_since_epoch.count() % period.count();
  const auto phase = spreadOffset(url, period).count();
  return std::chrono::milliseconds((phase - into_period + period.count()) % period.count());
}

}  // namespace webmon::producer
