#include "producer/attempt_series.h"

namespace webmon::producer {

void AttemptSeries::erase(std::map<Key, Run>::iterator run) {
  if (run->second.next) waiting_.erase(*run->second.next);
  runs_.erase(run);
}

void AttemptSeries::add(ProbeResult result, TimePoint now,
                        std::vector<std::vector<ProbeResult>>& complete) {
  const Key key = result.url.get();
  auto it = runs_.find(key);
  if (it != runs_.end() && result.attempt == 1) {
    complete.push_back(std::move(it->second.attempts));
    erase(it);
    it = runs_.end();
  }
  if (it == runs_.end()) it = runs_.emplace(key, Run{}).first;
  Run& run = it->second;
  const int wanted = result.url->attempts;
  const auto spacing = result.url->attempt_spacing;
  run.attempts.push_back(std::move(result));
  if (static_cast<int>(run.attempts.size()) >= wanted) {
    complete.push_back(std::move(run.attempts));
    erase(it);
    return;
  }
  run.next = waiting_.emplace(now + spacing, key);
}

std::optional<AttemptSeries::TimePoint> AttemptSeries::nextDue() const {
  if (waiting_.empty()) return std::nullopt;
  return waiting_.begin()->first;
}

std::optional<AttemptSeries::NextAttempt> AttemptSeries::popDue(TimePoint now) {
  if (waiting_.empty() || waiting_.begin()->first > now) return std::nullopt;
  const auto [planned, key] = *waiting_.begin();
  waiting_.erase(waiting_.begin());
  Run& run = runs_.at(key);
  run.next.reset();  // in flight now
  const ProbeResult& last = run.attempts.back();
  return NextAttempt{last.target, last.url, planned, last.attempt + 1};
}

std::vector<std::vector<ProbeResult>> AttemptSeries::takeUnfinished() {
  std::vector<std::vector<ProbeResult>> runs;
  for (auto& [key, run] : runs_) runs.push_back(std::move(run.attempts));
  runs_.clear();
  waiting_.clear();
  return runs;
}

}  // namespace webmon::producer
