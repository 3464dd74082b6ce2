#pragma once
// URLs with `attempts` > 1 are probed several times per period. This collects a period's
// attempts, says when the next one is due (attempt_spacing after the previous one ended), and
// hands back the whole run when its last attempt is in; the run then becomes one report.

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "producer/probe_result.h"
#include "producer/probe_scheduler.h"

namespace webmon::producer {

class AttemptSeries {
 public:
  using TimePoint = ProbeScheduler::TimePoint;

  struct NextAttempt {
    std::size_t target;
    std::shared_ptr<const common::MonitoredUrl> url;
    TimePoint planned;
    int attempt;
  };

  /// Takes a finished attempt of a URL with several. Appends the run to `complete` when this
  /// was its last attempt; otherwise plans the next one. A first attempt that finds an
  /// unfinished run of the same URL (the loop fell far behind) completes that run as it is.
  void add(ProbeResult result, TimePoint now, std::vector<std::vector<ProbeResult>>& complete);

  /// The earliest planned next attempt.
  std::optional<TimePoint> nextDue() const;
  /// The next attempt if it is due at `now`.
  std::optional<NextAttempt> popDue(TimePoint now);

  /// Runs whose remaining attempts will not be made (the producer is stopping): what they have.
  std::vector<std::vector<ProbeResult>> takeUnfinished();
  std::size_t unfinished() const noexcept { return runs_.size(); }

 private:
  using Key = const common::MonitoredUrl*;
  using Waiting = std::multimap<TimePoint, Key>;
  struct Run {
    std::vector<ProbeResult> attempts;
    std::optional<Waiting::iterator> next;  // set while the next attempt waits for its time
  };
  void erase(std::map<Key, Run>::iterator run);

  // By the URL object the attempts share: a reloaded config's new object is a new run.
  std::map<Key, Run> runs_;
  Waiting waiting_;  // next attempts by when they are due: popDue is O(log n)
};

}  // namespace webmon::producer
