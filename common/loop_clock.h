#pragma once
// The clocks a service loop reads, passed in rather than called directly, so a test can turn
// a loop through minutes of schedule in milliseconds and check what it did at each moment.

#include <chrono>
#include <functional>

namespace webmon::common {

struct LoopClock {
  using TimePoint = std::chrono::steady_clock::time_point;
  /// Monotonic time: schedules, waits, heartbeats, stats intervals.
  std::function<TimePoint()> steady;
  /// Wall-clock time since the epoch: only where a schedule must line up across restarts.
  std::function<std::chrono::milliseconds()> wall;

  /// The process's real clocks.
  static LoopClock system() {
    return {[] { return std::chrono::steady_clock::now(); },
            [] {
              return std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch());
            }};
  }
};

}  // namespace webmon::common
