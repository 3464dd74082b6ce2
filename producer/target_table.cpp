#include "producer/target_table.h"

#include <algorithm>
#include <unordered_set>

namespace webmon::producer {

std::size_t TargetTable::addSlot(const common::MonitoredUrl& url) {
  // Slots are never reused: a probe of a removed URL may still be in flight under its number.
  const std::size_t slot = slots_.size();
  slots_.push_back(std::make_shared<const common::MonitoredUrl>(url));
  slot_of_.emplace(url.url, slot);
  return slot;
}

void TargetTable::start(const std::vector<common::MonitoredUrl>& urls, ProbeScheduler& scheduler,
                        ProbeScheduler::TimePoint now, std::chrono::milliseconds wall_since_epoch) {
  slots_.reserve(urls.size());
  slot_of_.reserve(urls.size());
  for (const auto& url : urls) {
    const std::size_t slot = addSlot(url);
    scheduler.add(slot, url.period, firstRunDelay(url.url, url.period, wall_since_epoch), now);
  }
}

ReloadSummary TargetTable::apply(const std::vector<common::MonitoredUrl>& urls,
                                 ProbeScheduler& scheduler, ProbeScheduler::TimePoint now) {
  ReloadSummary summary;
  std::unordered_set<std::string> wanted;
  wanted.reserve(urls.size());
  for (const auto& url : urls) {
    wanted.insert(url.url);
    const auto found = slot_of_.find(url.url);
    if (found == slot_of_.end()) {
      const std::size_t slot = addSlot(url);
      scheduler.add(slot, url.period, spreadOffset(url.url, std::min(url.period, kFirstRunWindow)),
                    now);
      ++summary.added;
      continue;
    }
    auto& current = slots_[found->second];
    if (*current == url) {
      ++summary.unchanged;
      continue;
    }
    if (current->period != url.period) scheduler.changePeriod(found->second, url.period, now);
    current = std::make_shared<const common::MonitoredUrl>(url);
    ++summary.changed;
  }
  for (auto it = slot_of_.begin(); it != slot_of_.end();) {
    if (wanted.count(it->first) != 0) {
      ++it;
      continue;
    }
    scheduler.remove(it->second);
    slots_[it->second].reset();
    it = slot_of_.erase(it);
    ++summary.removed;
  }
  return summary;
}

}  // namespace webmon::producer
