#pragma once
// The URLs the producer probes, each in a numbered slot the scheduler knows it by, and how a
// reloaded config changes them: added URLs start within a second, removed ones stop, changed
// ones take their new settings, and unchanged ones keep their schedule untouched.

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/config.h"
#include "producer/probe_scheduler.h"

namespace webmon::producer {

struct ReloadSummary {
  std::size_t added = 0;
  std::size_t removed = 0;
  std::size_t changed = 0;  // same url, other settings (period, timeout, name, ...)
  std::size_t unchanged = 0;
};

class TargetTable {
 public:
  /// Schedules the URLs of a producer that is starting: each URL's first run falls on its
  /// phase (a hash of the URL), so a restart keeps every URL's rhythm.
  void start(const std::vector<common::MonitoredUrl>& urls, ProbeScheduler& scheduler,
             ProbeScheduler::TimePoint now, std::chrono::milliseconds wall_since_epoch);

  /// Moves to a reloaded URL list. URLs are matched by their `url`.
  ReloadSummary apply(const std::vector<common::MonitoredUrl>& urls, ProbeScheduler& scheduler,
                      ProbeScheduler::TimePoint now);

  /// The URL in `slot`; null once it was removed (a probe in flight keeps its own copy).
  const std::shared_ptr<const common::MonitoredUrl>& at(std::size_t slot) const {
    return slots_[slot];
  }
  std::size_t size() const noexcept { return slot_of_.size(); }

  /// An added URL's first run comes within this long, spread by a hash of the URL, so a
  /// thousand URLs added at once do not start in the same millisecond. With the reload's
  /// settle time it keeps the promise that an added URL is probed within a second.
  static constexpr std::chrono::milliseconds kFirstRunWindow{800};

 private:
  std::size_t addSlot(const common::MonitoredUrl& url);

  std::vector<std::shared_ptr<const common::MonitoredUrl>> slots_;
  std::unordered_map<std::string, std::size_t> slot_of_;  // url -> slot
};

}  // namespace webmon::producer
