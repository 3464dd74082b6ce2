#pragma once
// When each URL is due: a timer queue (min-heap) over all targets, driven by the caller's clock.

#include <chrono>
#include <cstdint>
#include <optional>
#include <queue>
#include <string_view>
#include <vector>

namespace webmon::producer {

class ProbeScheduler {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  struct Due {
    std::size_t target;
    TimePoint planned;
  };

  /// Schedules `target` every `period`. Its first run is `first_offset` after `start`.
  void add(std::size_t target, std::chrono::milliseconds period,
           std::chrono::milliseconds first_offset, TimePoint start);

  /// The earliest planned start, if any target is scheduled.
  std::optional<TimePoint> nextDue() const;

  /// Removes and returns the earliest target if it is due at `now`, and schedules its next
  /// run one period after the *planned* start (not after `now`), so lateness does not drift.
  /// If the loop fell more than a whole period behind, the missed runs are skipped and counted.
  std::optional<Due> popDue(TimePoint now);

  std::size_t size() const noexcept { return heap_.size(); }
  std::uint64_t skippedRuns() const noexcept { return skipped_runs_; }

 private:
  struct Entry {
    TimePoint planned;
    std::size_t target;
    std::chrono::milliseconds period;
    bool operator>(const Entry& other) const { return planned > other.planned; }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::uint64_t skipped_runs_ = 0;
};

/// A phase in [0, period) derived from the URL alone, so load is spread evenly over the period.
std::chrono::milliseconds spreadOffset(std::string_view url, std::chrono::milliseconds period);

/// How long after `now` (wall clock, ms since the epoch) the URL's first run is due: runs fall
/// at epoch + phase + k * period, so a restarted producer keeps every URL's phase.
std::chrono::milliseconds firstRunDelay(std::string_view url, std::chrono::milliseconds period,
                                        std::chrono::milliseconds now_since_epoch);

}  // namespace webmon::producer
