#pragma once
// When each URL is due: a timer queue (min-heap) over all targets, driven by the caller's clock.
// Targets can be removed or given a new period while the heap runs (live config reloads):
// each target has a generation, and heap entries of an older generation are skipped when they
// reach the top, which is cheaper than searching the heap.

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
  /// Target ids are small integers chosen by the caller (they index a vector).
  void add(std::size_t target, std::chrono::milliseconds period,
           std::chrono::milliseconds first_offset, TimePoint start);

  /// Stops scheduling `target`. A run already handed out by popDue is not affected.
  void remove(std::size_t target);

  /// Gives `target` a new period without a burst or a gap: the next run comes one new period
  /// after the last planned one, or at `now` if that is already past.
  void changePeriod(std::size_t target, std::chrono::milliseconds period, TimePoint now);

  bool contains(std::size_t target) const noexcept;

  /// The earliest planned start, if any target is scheduled.
  std::optional<TimePoint> nextDue();

  /// Removes and returns the earliest target if it is due at `now`, and schedules its next
  /// run one period after the *planned* start (not after `now`), so lateness does not drift.
  /// If the loop fell more than a whole period behind, the missed runs are skipped and counted.
  std::optional<Due> popDue(TimePoint now);

  std::size_t size() const noexcept { return live_targets_; }
  std::uint64_t skippedRuns() const noexcept { return skipped_runs_; }

 private:
  struct Entry {
    TimePoint planned;
    std::size_t target;
    std::uint32_t generation;
    bool operator>(const Entry& other) const { return planned > other.planned; }
  };
  struct Target {
    bool live = false;
    std::uint32_t generation = 0;
    std::chrono::milliseconds period{0};
    TimePoint next;  // the planned start of the entry of the current generation
  };
  /// Drops stale entries (removed targets, old periods) from the top of the heap.
  void discardStale();

  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::vector<Target> targets_;
  std::size_t live_targets_ = 0;
  std::uint64_t skipped_runs_ = 0;
};

/// A phase in [0, period) derived from the URL alone, so load is spread evenly over the period.
std::chrono::milliseconds spreadOffset(std::string_view url, std::chrono::milliseconds period);

/// How long after `now` (wall clock, ms since the epoch) the URL's first run is due: runs fall
/// at epoch + phase + k * period, so a restarted producer keeps every URL's phase.
std::chrono::milliseconds firstRunDelay(std::string_view url, std::chrono::milliseconds period,
                                        std::chrono::milliseconds now_since_epoch);

}  // namespace webmon::producer
