#include "producer/target_table.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace webmon::producer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = ProbeScheduler::TimePoint;

common::MonitoredUrl url(const std::string& address, seconds period = seconds(60),
                         seconds timeout = seconds(10)) {
  common::MonitoredUrl m;
  m.url = address;
  m.name = address;
  m.period = period;
  m.timeout = timeout;
  return m;
}

// Runs the scheduler over [from, to) in 10 ms steps (and at to - 1 ms) and returns the planned
// starts per url.
std::map<std::string, std::vector<TimePoint>> runs(ProbeScheduler& scheduler,
                                                   const TargetTable& table, TimePoint from,
                                                   TimePoint to) {
  std::map<std::string, std::vector<TimePoint>> out;
  const TimePoint last = to - milliseconds(1);
  for (auto now = from;; now = std::min(now + milliseconds(10), last)) {
    while (auto due = scheduler.popDue(now)) {
      if (!table.at(due->target)) {
        ADD_FAILURE() << "a removed url was scheduled";
        continue;
      }
      out[table.at(due->target)->url].push_back(due->planned);
    }
    if (now == last) break;
  }
  return out;
}

// A new password for a target is a change of that target, not a new one: the same slot (so
// the same schedule and history), and its probes send the new password from then on.
TEST(TargetTable, ANewPasswordChangesTheTargetInItsSlot) {
  ProbeScheduler scheduler;
  TargetTable table;
  auto with_password = [](const std::string& password) {
    auto m = url("http://ops:***@a/");
    m.fetch_url = "http://a/";
    m.basic_auth = common::BasicAuth{"ops", password};
    return m;
  };
  table.start({with_password("old")}, scheduler, TimePoint{}, milliseconds(0));
  const auto summary = table.apply({with_password("new")}, scheduler, TimePoint{} + seconds(1));
  EXPECT_EQ(summary.changed, 1u);
  EXPECT_EQ(summary.added, 0u);
  EXPECT_EQ(summary.removed, 0u);
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table.at(0)->basic_auth->password, "new");
}

TEST(TargetTable, ReloadAddsRemovesAndChangesByUrl) {
  ProbeScheduler scheduler;
  TargetTable table;
  const TimePoint start{};
  table.start({url("http://a/"), url("http://b/"), url("http://c/")}, scheduler, start,
              milliseconds(0));
  const auto summary =
      table.apply({url("http://a/"), url("http://c/", seconds(60), seconds(5)), url("http://d/")},
                  scheduler, start + seconds(1));
  EXPECT_EQ(summary.added, 1u);
  EXPECT_EQ(summary.removed, 1u);
  EXPECT_EQ(summary.changed, 1u);
  EXPECT_EQ(summary.unchanged, 1u);
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(scheduler.size(), 3u);
}

TEST(TargetTable, AddedUrlsStartWithinTheFirstRunWindowSpreadOverIt) {
  ProbeScheduler scheduler;
  TargetTable table;
  const TimePoint start{};
  table.start({}, scheduler, start, milliseconds(0));
  std::vector<common::MonitoredUrl> added;
  for (int i = 0; i < 1000; ++i) added.push_back(url("http://host/" + std::to_string(i)));
  const TimePoint reload_at = start + seconds(7);
  table.apply(added, scheduler, reload_at);
  const auto seen = runs(scheduler, table, reload_at, reload_at + TargetTable::kFirstRunWindow);
  ASSERT_EQ(seen.size(), 1000u);  // every one within the window
  std::vector<int> per_100ms(8, 0);
  for (const auto& [address, planned] : seen) {
    ASSERT_EQ(planned.size(), 1u) << address;
    ++per_100ms[(planned[0] - reload_at) / milliseconds(100)];
  }
  for (int count : per_100ms) EXPECT_LT(count, 250) << "added urls burst together";
}

TEST(TargetTable, UnchangedUrlsKeepTheirScheduleAcrossAReload) {
  ProbeScheduler scheduler;
  TargetTable table;
  const TimePoint start{};
  const auto steady = url("http://steady/", seconds(2));
  table.start({steady, url("http://other/", seconds(2))}, scheduler, start, milliseconds(0));
  const auto before = runs(scheduler, table, start, start + seconds(3));
  table.apply({steady, url("http://new/", seconds(2))}, scheduler, start + seconds(3));
  const auto after = runs(scheduler, table, start + seconds(3), start + seconds(9));
  // steady runs every 2 s on the same phase before and after the reload: no extra run, no gap.
  std::vector<TimePoint> all = before.at("http://steady/");
  all.insert(all.end(), after.at("http://steady/").begin(), after.at("http://steady/").end());
  ASSERT_GE(all.size(), 4u);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_EQ(all[i] - all[i - 1], seconds(2));
  EXPECT_EQ(after.count("http://other/"), 0u);
  EXPECT_EQ(after.at("http://new/").size(), 3u);
}

TEST(TargetTable, ChangedSettingsReachTheNextProbeAndRemovedUrlsAreReleased) {
  ProbeScheduler scheduler;
  TargetTable table;
  const TimePoint start{};
  table.start({url("http://a/", seconds(60), seconds(10)), url("http://b/")}, scheduler, start,
              milliseconds(0));
  const auto kept_by_probe_in_flight = table.at(1);
  table.apply({url("http://a/", seconds(60), seconds(3))}, scheduler, start);
  EXPECT_EQ(table.at(0)->timeout, seconds(3));
  EXPECT_EQ(table.at(1), nullptr);
  EXPECT_EQ(kept_by_probe_in_flight->url, "http://b/");  // a probe in flight still has it
}

}  // namespace
}  // namespace webmon::producer

namespace webmon::producer {
namespace {

// The loop applies a reload a slice per turn: each slice adds and changes what it covers, the
// removals wait for the last, and the table ends as a whole apply would leave it.
TEST(TargetTable, AnEditAppliedInSlicesEndsAsTheWholeEditWould) {
  auto url = [](const std::string& address,
                std::chrono::seconds timeout = std::chrono::seconds(10)) {
    common::MonitoredUrl m;
    m.url = m.name = address;
    m.period = std::chrono::seconds(60);
    m.timeout = timeout;
    return m;
  };
  std::vector<common::MonitoredUrl> before, after;
  for (int i = 0; i < 10; ++i) before.push_back(url("http://u" + std::to_string(i) + "/"));
  for (int i = 3; i < 10; ++i) {  // u0-u2 go; u3-u4 change; u5-u9 stay; n0-n2 come
    after.push_back(
        url("http://u" + std::to_string(i) + "/", std::chrono::seconds(i < 5 ? 5 : 10)));
  }
  for (int i = 0; i < 3; ++i) after.push_back(url("http://n" + std::to_string(i) + "/"));

  ProbeScheduler scheduler;
  TargetTable table;
  const ProbeScheduler::TimePoint start{};
  table.start(before, scheduler, start, std::chrono::milliseconds(0));
  TableEdit edit(after);
  table.applySome(edit, scheduler, start, 4);
  EXPECT_FALSE(edit.done());
  EXPECT_EQ(edit.summary().changed, 2u);
  EXPECT_EQ(edit.summary().unchanged, 2u);
  EXPECT_EQ(edit.summary().removed, 0u);
  EXPECT_EQ(table.size(), 10u);  // nothing removed before the last slice
  int slices = 1;
  while (!edit.done()) {
    table.applySome(edit, scheduler, start, 4);
    ++slices;
  }
  EXPECT_EQ(slices, 3);
  EXPECT_EQ(edit.summary().added, 3u);
  EXPECT_EQ(edit.summary().changed, 2u);
  EXPECT_EQ(edit.summary().unchanged, 5u);
  EXPECT_EQ(edit.summary().removed, 3u);
  EXPECT_EQ(table.size(), 10u);
  EXPECT_EQ(scheduler.size(), 10u);

  // The same edit at once, on a table like the first: the same summary.
  ProbeScheduler other_scheduler;
  TargetTable other;
  other.start(before, other_scheduler, start, std::chrono::milliseconds(0));
  const auto whole = other.apply(after, other_scheduler, start);
  EXPECT_EQ(whole.added, edit.summary().added);
  EXPECT_EQ(whole.removed, edit.summary().removed);
  EXPECT_EQ(whole.changed, edit.summary().changed);
  EXPECT_EQ(whole.unchanged, edit.summary().unchanged);
}

}  // namespace
}  // namespace webmon::producer
