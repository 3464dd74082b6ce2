#include "producer/target_table.h"

#include <algorithm>
#include <unordered_set>

namespace webmon::producer {

TargetTable::TargetTable(const UrlOwnership& owner, std::function<std::chrono::milliseconds()> wall)
    : owner_(&owner), wall_(std::move(wall)) {}

void TargetTable::scheduleOnPhase(std::size_t slot, const common::MonitoredUrl& url,
                                  ProbeScheduler& scheduler, ProbeScheduler::TimePoint now,
                                  std::chrono::milliseconds wall) const {
  scheduler.add(slot, url.period, firstRunDelay(url.url, url.period, wall), now);
}

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
    if (owned(url.url)) scheduleOnPhase(slot, url, scheduler, now, wall_since_epoch);
  }
}

TableEdit::TableEdit(std::vector<common::MonitoredUrl> urls) : urls_(std::move(urls)) {
  wanted_.reserve(urls_.size());
  for (const auto& url : urls_) wanted_.insert(url.url);
}

ReloadSummary TargetTable::apply(const std::vector<common::MonitoredUrl>& urls,
                                 ProbeScheduler& scheduler, ProbeScheduler::TimePoint now) {
  TableEdit edit(urls);
  applySome(edit, scheduler, now, urls.size());
  return edit.summary();
}

void TargetTable::applySome(TableEdit& edit, ProbeScheduler& scheduler,
                            ProbeScheduler::TimePoint now, std::size_t budget) {
  ReloadSummary& summary = edit.summary_;
  const std::size_t end = std::min(edit.urls_.size(), edit.next_ + budget);
  for (; edit.next_ < end; ++edit.next_) {
    const auto& url = edit.urls_[edit.next_];
    const auto found = slot_of_.find(url.url);
    if (found == slot_of_.end()) {
      const std::size_t slot = addSlot(url);
      if (owner_ == nullptr) {
        scheduler.add(slot, url.period,
                      spreadOffset(url.url, std::min(url.period, kFirstRunWindow)), now);
      } else if (owner_->owns(url.url)) {
        scheduleOnPhase(slot, url, scheduler, now, wall_());
      }
      ++summary.added;
      continue;
    }
    auto& current = slots_[found->second];
    if (*current == url) {
      ++summary.unchanged;
      continue;
    }
    if (current->period != url.period) {
      if (owner_ == nullptr) {
        scheduler.changePeriod(found->second, url.period, now);
      } else if (scheduler.contains(found->second)) {
        // On the new period's phase, where the other members put it too.
        scheduler.remove(found->second);
        scheduleOnPhase(found->second, url, scheduler, now, wall_());
      }
    }
    current = std::make_shared<const common::MonitoredUrl>(url);
    ++summary.changed;
  }
  if (edit.next_ < edit.urls_.size()) return;
  // Every URL is in: what the edit does not list goes. One pass over the table, a lookup each
  // in the set the edit brought (a few milliseconds for 20,000).
  for (auto it = slot_of_.begin(); it != slot_of_.end();) {
    if (edit.wanted_.count(it->first) != 0) {
      ++it;
      continue;
    }
    scheduler.remove(it->second);
    slots_[it->second].reset();
    it = slot_of_.erase(it);
    ++summary.removed;
  }
  edit.finished_ = true;
}

Handover TargetTable::reassign(ProbeScheduler& scheduler, ProbeScheduler::TimePoint now) {
  Handover moved;
  if (owner_ == nullptr) return moved;
  const auto wall = wall_();
  for (const auto& [url, slot] : slot_of_) {
    const bool scheduled = scheduler.contains(slot);
    const bool owns = owner_->owns(url);
    if (owns && !scheduled) {
      scheduleOnPhase(slot, *slots_[slot], scheduler, now, wall);
      ++moved.started;
    } else if (!owns && scheduled) {
      scheduler.remove(slot);
      ++moved.stopped;
    }
  }
  return moved;
}

}  // namespace webmon::producer
