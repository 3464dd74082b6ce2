#include "producer/probe_scheduler.h"

namespace webmon::producer {

void ProbeScheduler::add(std::size_t target, std::chrono::milliseconds period,
                         std::chrono::milliseconds first_offset, TimePoint start) {
  heap_.push(Entry{start + first_offset, target, period});
}

std::optional<ProbeScheduler::TimePoint> ProbeScheduler::nextDue() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.top().planned;
}

std::optional<ProbeScheduler::Due> ProbeScheduler::popDue(TimePoint now) {
  if (heap_.empty() || heap_.top().planned > now) return std::nullopt;
  Entry entry = heap_.top();
  heap_.pop();
  const Due due{entry.target, entry.planned};
  entry.planned += entry.period;
  if (entry.planned <= now) {
    const auto behind = now - entry.planned;
    const auto missed = behind / entry.period + 1;
    skipped_runs_ += static_cast<std::uint64_t>(missed);
    entry.planned += missed * entry.period;
  }
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
