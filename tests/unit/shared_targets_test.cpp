// Shared targets on the producer side: which partition a URL belongs to, and how the target
// table of a group member schedules only what it owns, on each URL's phase, so that a URL
// handed from one member to another keeps its rhythm.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "producer/target_table.h"
#include "producer/url_ownership.h"

namespace webmon::producer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = ProbeScheduler::TimePoint;

constexpr std::int32_t kPartitions = 6;

// Owns the partitions a test gives it.
class OwnedPartitions final : public UrlOwnership {
 public:
  bool owns(std::string_view url) const override {
    return partitions.count(partitionOfUrl(url, kPartitions)) != 0;
  }
  int fd() const override { return -1; }
  bool refresh() override { return false; }
  std::set<std::int32_t> partitions;
};

common::MonitoredUrl url(const std::string& address, seconds period = seconds(10)) {
  common::MonitoredUrl m;
  m.url = address;
  m.name = address;
  m.period = period;
  return m;
}

std::vector<common::MonitoredUrl> someUrls(int count, seconds period = seconds(10)) {
  std::vector<common::MonitoredUrl> urls;
  for (int i = 0; i < count; ++i) urls.push_back(url("http://t/" + std::to_string(i), period));
  return urls;
}

// The steady clock's zero is this wall-clock instant (ms since the epoch), not a round one.
constexpr milliseconds kWallAtZero{1'796'360'851'775};
milliseconds wallAt(TimePoint now) {
  return kWallAtZero + std::chrono::duration_cast<milliseconds>(now - TimePoint{});
}

// Wall-clock starts per URL over [from, to), popping in 10 ms steps as the loop would.
std::map<std::string, std::vector<milliseconds>> runs(ProbeScheduler& scheduler,
                                                      const TargetTable& table, TimePoint from,
                                                      TimePoint to) {
  std::map<std::string, std::vector<milliseconds>> out;
  for (auto now = from; now < to; now += milliseconds(10)) {
    while (auto due = scheduler.popDue(now)) {
      out[table.at(due->target)->url].push_back(wallAt(due->planned));
    }
  }
  return out;
}

TEST(PartitionOfUrl, IsTheSameInEveryVersionSoMembersOfMixedVersionsAgree) {
  // Fixed values, worked out apart from this code (FNV-1a 64 then splitmix64's finaliser, in
  // Python): a change of the hash would make members of two versions disagree, with URLs
  // probed twice or not at all while a rolling upgrade runs.
  EXPECT_EQ(partitionOfUrl("https://example.com/", 60), 57);
  EXPECT_EQ(partitionOfUrl("http://127.0.0.1:8080/ok", 60), 49);
  EXPECT_EQ(partitionOfUrl("anything", 1), 0);
}

TEST(PartitionOfUrl, SpreadsUrlsEvenlyAndIndependentlyOfTheirPhase) {
  constexpr int kUrls = 30'000;
  constexpr int kMany = 60;
  std::vector<int> per_partition(kMany, 0);
  std::set<long long> phases_mod_60_of_partition_0;
  for (int i = 0; i < kUrls; ++i) {
    const auto address = "https://shop-" + std::to_string(i) + ".example/health";
    const auto partition = partitionOfUrl(address, kMany);
    ASSERT_GE(partition, 0);
    ASSERT_LT(partition, kMany);
    ++per_partition[partition];
    if (partition == 0) {
      phases_mod_60_of_partition_0.insert(spreadOffset(address, seconds(60)).count() % 60);
    }
  }
  for (int count : per_partition) {
    EXPECT_GT(count, kUrls / kMany * 8 / 10);
    EXPECT_LT(count, kUrls / kMany * 12 / 10);
  }
  // With the phase's own hash modulo 60 the URLs of one partition would share one value.
  EXPECT_GT(phases_mod_60_of_partition_0.size(), 50u);
}

TEST(SharedTargetTable, SchedulesOnlyTheUrlsItOwnsEachOnItsPhase) {
  OwnedPartitions owner;
  owner.partitions = {0, 2};
  ProbeScheduler scheduler;
  TargetTable table(owner, [] { return wallAt(TimePoint{}); });
  const auto urls = someUrls(120);
  table.start(urls, scheduler, TimePoint{}, wallAt(TimePoint{}));
  EXPECT_EQ(table.size(), 120u);  // it knows them all

  std::size_t owned = 0;
  for (const auto& u : urls) owned += owner.owns(u.url) ? 1 : 0;
  ASSERT_GT(owned, 0u);
  ASSERT_LT(owned, 120u);
  EXPECT_EQ(scheduler.size(), owned);

  const auto seen = runs(scheduler, table, TimePoint{}, TimePoint{} + seconds(30));
  EXPECT_EQ(seen.size(), owned);
  for (const auto& [address, starts] : seen) {
    EXPECT_TRUE(owner.owns(address)) << address;
    ASSERT_EQ(starts.size(), 3u) << address;
    const auto phase = spreadOffset(address, seconds(10));
    for (const auto start : starts) EXPECT_EQ(start % seconds(10), phase) << address;
  }
}

// The handover itself: member A owns everything, then B takes half. B probes each URL it took
// on the instants A would have; A stops them; together they never probe a URL twice in a
// period, and skip none beyond the period the handover falls in.
TEST(SharedTargetTable, AUrlHandedOverKeepsItsRhythmWithoutBurstOrGap) {
  OwnedPartitions a_owns;
  OwnedPartitions b_owns;
  a_owns.partitions = {0, 1, 2, 3, 4, 5};
  TimePoint now{};
  auto wall = [&now] { return wallAt(now); };
  ProbeScheduler a_scheduler;
  ProbeScheduler b_scheduler;
  TargetTable a(a_owns, wall);
  TargetTable b(b_owns, wall);
  const auto urls = someUrls(200);
  a.start(urls, a_scheduler, now, wall());
  b.start(urls, b_scheduler, now, wall());
  EXPECT_EQ(b_scheduler.size(), 0u);

  auto before = runs(a_scheduler, a, now, now + seconds(20));
  now += seconds(20) + milliseconds(3'337);  // the rebalance lands mid-period
  a_owns.partitions = {0, 1, 2};
  b_owns.partitions = {3, 4, 5};
  const auto stopped = a.reassign(a_scheduler, now);
  const auto started = b.reassign(b_scheduler, now);
  EXPECT_EQ(stopped.started, 0u);
  EXPECT_EQ(started.stopped, 0u);
  EXPECT_EQ(stopped.stopped, started.started);
  EXPECT_GT(started.started, 0u);
  EXPECT_EQ(a_scheduler.size() + b_scheduler.size(), urls.size());

  auto a_after = runs(a_scheduler, a, TimePoint{} + seconds(20), now + seconds(20));
  auto b_after = runs(b_scheduler, b, now, now + seconds(20));
  for (const auto& u : urls) {
    std::vector<milliseconds> starts = before[u.url];
    for (auto* after : {&a_after, &b_after}) {
      const auto& more = (*after)[u.url];
      starts.insert(starts.end(), more.begin(), more.end());
    }
    std::sort(starts.begin(), starts.end());
    ASSERT_FALSE(starts.empty());
    for (std::size_t i = 1; i < starts.size(); ++i) {
      const auto gap = starts[i] - starts[i - 1];
      // Once per period, and a period at most skipped: the one the rebalance fell in.
      EXPECT_TRUE(gap == seconds(10) || gap == seconds(20)) << u.url << " gap " << gap.count();
    }
    EXPECT_FALSE(!a_after[u.url].empty() && !b_after[u.url].empty()) << u.url << " has two owners";
  }
}

TEST(SharedTargetTable, AReloadSchedulesOnlyOwnedUrlsAndAlwaysOnPhase) {
  OwnedPartitions owner;
  owner.partitions = {1, 4};
  TimePoint now{};
  ProbeScheduler scheduler;
  TargetTable table(owner, [&now] { return wallAt(now); });
  table.start({}, scheduler, now, wallAt(now));
  now += milliseconds(1'234);
  auto urls = someUrls(60);
  // The period of one owned URL changes in a second edit.
  table.apply(urls, scheduler, now);
  std::size_t owned = 0;
  std::string owned_url;
  for (const auto& u : urls) {
    if (owner.owns(u.url)) {
      ++owned;
      owned_url = u.url;
    }
  }
  EXPECT_EQ(scheduler.size(), owned);
  for (auto& u : urls) {
    if (u.url == owned_url) u.period = seconds(30);
  }
  table.apply(urls, scheduler, now);
  const auto seen = runs(scheduler, table, now, now + seconds(60));
  EXPECT_EQ(seen.size(), owned);
  for (const auto& [address, starts] : seen) {
    const auto period = address == owned_url ? seconds(30) : seconds(10);
    for (const auto start : starts) EXPECT_EQ(start % period, spreadOffset(address, period));
    EXPECT_EQ(starts.size(), static_cast<std::size_t>(seconds(60) / period)) << address;
  }
}

TEST(SharedTargetTable, AProducerAloneNeedsNoReassignment) {
  ProbeScheduler scheduler;
  TargetTable table;
  table.start(someUrls(10), scheduler, TimePoint{}, wallAt(TimePoint{}));
  const auto moved = table.reassign(scheduler, TimePoint{});
  EXPECT_EQ(moved.started + moved.stopped, 0u);
  EXPECT_EQ(scheduler.size(), 10u);
}

}  // namespace
}  // namespace webmon::producer
