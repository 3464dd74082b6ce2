#pragma once
// The URLs the producer probes, each in a numbered slot the scheduler knows it by, and how a
// reloaded config changes them: added URLs start within a second, removed ones stop, changed
// ones take their new settings, and unchanged ones keep their schedule untouched.
//
// A member of a group (shared targets) holds every configured URL but schedules only those it
// owns, each on its phase, so that the member taking a URL over probes it when the last owner
// would have: reassign() follows the group's assignment.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/config.h"
#include "producer/probe_scheduler.h"
#include "producer/url_ownership.h"

namespace webmon::producer {

struct ReloadSummary {
  std::size_t added = 0;
  std::size_t removed = 0;
  std::size_t changed = 0;  // same url, other settings (period, timeout, name, ...)
  std::size_t unchanged = 0;
};

/// A reloaded URL list on its way into the table. Prepared where the config was read (the
/// reloader's thread: the set of wanted URLs is the costly part to build), then applied a
/// slice at a time on the probe loop, so that 20,000 URLs compared never hold up the probes
/// due meanwhile.
class TableEdit {
 public:
  explicit TableEdit(std::vector<common::MonitoredUrl> urls);
  bool done() const noexcept { return finished_; }
  std::size_t size() const noexcept { return urls_.size(); }  // URLs listed
  const ReloadSummary& summary() const noexcept { return summary_; }

 private:
  friend class TargetTable;
  std::vector<common::MonitoredUrl> urls_;
  std::unordered_set<std::string> wanted_;
  std::size_t next_ = 0;  // the first URL not yet applied
  ReloadSummary summary_;
  bool finished_ = false;
};

/// What a change of ownership moved.
struct Handover {
  std::size_t started = 0;  // URLs this producer now probes that it did not
  std::size_t stopped = 0;  // URLs it no longer probes
};

class TargetTable {
 public:
  /// A producer alone: every URL is scheduled.
  TargetTable() = default;
  /// A member of a group: only the URLs `owner` owns are scheduled, always on their phase,
  /// which `wall` (ms since the epoch) places; a URL added by a reload too, so every member
  /// agrees on when it falls due.
  TargetTable(const UrlOwnership& owner, std::function<std::chrono::milliseconds()> wall);

  /// Schedules the URLs of a producer that is starting: each URL's first run falls on its
  /// phase (a hash of the URL), so a restart keeps every URL's rhythm.
  void start(const std::vector<common::MonitoredUrl>& urls, ProbeScheduler& scheduler,
             ProbeScheduler::TimePoint now, std::chrono::milliseconds wall_since_epoch);

  /// Moves to a reloaded URL list, all at once. URLs are matched by their `url`.
  ReloadSummary apply(const std::vector<common::MonitoredUrl>& urls, ProbeScheduler& scheduler,
                      ProbeScheduler::TimePoint now);
  /// Applies up to `budget` more URLs of `edit`; once all are in, removes the URLs it does not
  /// list and marks it done. Until then the table holds old and new settings side by side.
  void applySome(TableEdit& edit, ProbeScheduler& scheduler, ProbeScheduler::TimePoint now,
                 std::size_t budget);

  /// Schedules the URLs the owner now owns and are not scheduled, each on its phase, and
  /// stops those it no longer owns (a probe in flight finishes and is reported).
  Handover reassign(ProbeScheduler& scheduler, ProbeScheduler::TimePoint now);

  /// The URL in `slot`; null once it was removed (a probe in flight keeps its own copy).
  const std::shared_ptr<const common::MonitoredUrl>& at(std::size_t slot) const {
    return slots_[slot];
  }
  std::size_t size() const noexcept { return slot_of_.size(); }  // URLs configured

  /// An added URL's first run comes within this long, spread by a hash of the URL, so a
  /// thousand URLs added at once do not start in the same millisecond. With the reload's
  /// settle time it keeps the promise that an added URL is probed within a second.
  static constexpr std::chrono::milliseconds kFirstRunWindow{800};

 private:
  std::size_t addSlot(const common::MonitoredUrl& url);
  bool owned(const std::string& url) const { return owner_ == nullptr || owner_->owns(url); }
  void scheduleOnPhase(std::size_t slot, const common::MonitoredUrl& url, ProbeScheduler& scheduler,
                       ProbeScheduler::TimePoint now, std::chrono::milliseconds wall) const;

  const UrlOwnership* owner_ = nullptr;  // null: alone
  std::function<std::chrono::milliseconds()> wall_;

  std::vector<std::shared_ptr<const common::MonitoredUrl>> slots_;
  std::unordered_map<std::string, std::size_t> slot_of_;  // url -> slot
};

}  // namespace webmon::producer
