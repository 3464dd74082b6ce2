// ProbeLoop turned by hand: a scripted prober and a clock the test moves, so minutes of
// schedule pass in milliseconds and each check is about what the loop did, not how fast.

#include "producer/probe_loop.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <utility>

namespace webmon::producer {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using TimePoint = ProbeScheduler::TimePoint;

// Finishes every probe after it was polled `polls_to_finish` times, with a 200 answer. An
// idle poll (nothing in flight) moves the clock by the whole wait, as a real wait would; a
// busy one by a millisecond.
class ScriptedProber final : public Prober {
 public:
  explicit ScriptedProber(TimePoint& now) : now_(now) {}

  void start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
             ProbeScheduler::TimePoint planned, int attempt) override {
    ProbeResult result;
    result.target = target;
    result.url = std::move(url);
    result.planned = planned;
    result.started = now_;
    result.started_wall = common::SystemTime(std::chrono::milliseconds(1'800'000'000'000));
    result.attempt = attempt;
    result.http_status = 200;
    result.total_ms = 5;
    running_.push_back({std::move(result), polls_to_finish});
    max_in_flight = std::max(max_in_flight, running_.size());
    ++started;
  }
  std::size_t inFlight() const noexcept override { return running_.size(); }
  void poll(std::chrono::milliseconds timeout, const std::vector<int>&,
            std::vector<ProbeResult>& finished) override {
    waits.push_back(timeout);
    now_ += running_.empty()
                ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout)
                : std::chrono::steady_clock::duration(1ms);
    for (auto it = running_.begin(); it != running_.end();) {
      if (--it->second <= 0) {
        finished.push_back(std::move(it->first));
        it = running_.erase(it);
      } else {
        ++it;
      }
    }
  }

  int polls_to_finish = 1;
  std::size_t max_in_flight = 0;
  std::size_t started = 0;
  std::vector<std::chrono::milliseconds> waits;

 private:
  TimePoint& now_;
  std::vector<std::pair<ProbeResult, int>> running_;
};

std::string urlList(int count, const std::string& extra = "") {
  std::string list;
  for (int i = 0; i < count; ++i) {
    list += (i ? "," : "") + std::string(R"({"url": "http://127.0.0.1/)") + std::to_string(i) +
            R"(", "period": 10, "timeout": 2)" + extra + "}";
  }
  return list;
}

std::string configText(const std::string& urls, const std::string& producer = "") {
  return R"({"kafka": {"bootstrap_servers": ["127.0.0.1:9092"]}, "producer": {)" + producer +
         R"(}, "monitored_urls": [)" + urls + "]}";
}

class ProbeLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/webmon-probe-loop-XXXXXX";
    directory_ = ::mkdtemp(name);
    path_ = (directory_ / "config.json").string();
  }
  void TearDown() override { fs::remove_all(directory_); }

  void write(const std::string& text) { std::ofstream(path_) << text; }

  // Reads the file as the service does and builds the loop over it; with `ownership`, as a
  // member of a group.
  std::unique_ptr<ProbeLoop> loopOver(const std::string& text, UrlOwnership* ownership = nullptr) {
    write(text);
    config_ = common::loadConfigFile(path_, common::processEnvironment());
    return std::make_unique<ProbeLoop>(
        config_, path_, common::processEnvironment(),
        ProbeLoop::Parts{prober_, queue_, metrics_, heartbeat_,
                         DeliveryView{[] { return std::uint64_t{0}; }, [] { return true; }}, -1,
                         ownership},
        common::LoopClock{[this] { return now_; },
                          [this] {
                            return std::chrono::duration_cast<std::chrono::milliseconds>(
                                now_.time_since_epoch());
                          }});
  }

  // Turns the loop until the clock reaches `until`.
  void turnUntil(ProbeLoop& loop, TimePoint until) {
    while (now_ < until) loop.turn();
  }

  // The queued reports, by URL, each as its JSON.
  std::map<std::string, std::vector<nlohmann::json>> takeReports() {
    std::map<std::string, std::vector<nlohmann::json>> by_url;
    for (auto& report : queue_.popBatch(100'000, 0ms)) {
      auto json = nlohmann::json::parse(report.payload);
      EXPECT_EQ(json.at("url").get<std::string>(), report.key);
      by_url[report.key].push_back(std::move(json));
    }
    return by_url;
  }

  fs::path directory_;
  std::string path_;
  TimePoint start_ = TimePoint(std::chrono::hours(1000));
  TimePoint now_ = start_;
  ScriptedProber prober_{now_};
  ReportQueue queue_{100'000};
  common::metrics::Registry registry_;
  ProducerMetrics metrics_{registry_};
  common::metrics::Moment heartbeat_;
  common::Config config_;
};

// A group member whose share the test sets: URLs whose last digit is in `digits`.
class ShareByLastDigit final : public UrlOwnership {
 public:
  bool owns(std::string_view url) const override {
    return digits.find(url.back()) != std::string::npos;
  }
  int fd() const override { return -1; }
  bool refresh() override { return std::exchange(changed, false); }
  void give(std::string owned) {
    digits = std::move(owned);
    changed = true;
  }
  std::string digits;
  bool changed = false;
};

TEST_F(ProbeLoopTest, AGroupMemberProbesItsShareAndFollowsTheGroupsChanges) {
  ShareByLastDigit share;  // nothing assigned yet, as before the first rebalance
  auto loop = loopOver(configText(urlList(10)), &share);
  turnUntil(*loop, start_ + 20s);
  EXPECT_EQ(prober_.started, 0u);
  EXPECT_EQ(loop->urls(), 10u);
  EXPECT_EQ(loop->ownedUrls(), 0u);

  share.give("0123");
  turnUntil(*loop, start_ + 40s);
  auto reports = takeReports();
  EXPECT_EQ(loop->ownedUrls(), 4u);
  EXPECT_EQ(metrics_.owned_urls.value(), 4.0);
  ASSERT_EQ(reports.size(), 4u);
  for (const auto& [url, list] : reports) {
    EXPECT_TRUE(share.owns(url)) << url;
    EXPECT_EQ(list.size(), 2u) << url;  // on its phase, once per period of the 20 s
  }

  share.give("89");  // 0-3 handed on, 8 and 9 taken over
  turnUntil(*loop, start_ + 60s);
  reports = takeReports();
  EXPECT_EQ(loop->ownedUrls(), 2u);
  std::set<std::string> probed;
  for (const auto& [url, list] : reports) {
    // A probe of 0-3 due before the loop turned may still be in; after it, none.
    if (url.back() == '8' || url.back() == '9') {
      EXPECT_EQ(list.size(), 2u) << url;
    }
    if (list.size() > 1) probed.insert(url);
  }
  EXPECT_EQ(probed, (std::set<std::string>{"http://127.0.0.1/8", "http://127.0.0.1/9"}));
}

TEST_F(ProbeLoopTest, ProbesEveryUrlOncePerPeriodAndQueuesOneReportPerProbe) {
  auto loop = loopOver(configText(urlList(3)));
  EXPECT_EQ(loop->urls(), 3u);
  turnUntil(*loop, start_ + 60s);
  const auto reports = takeReports();
  ASSERT_EQ(reports.size(), 3u);
  for (const auto& [url, list] : reports) {
    EXPECT_EQ(list.size(), 6u) << url;  // a first run within the first 10 s, then every 10 s
    for (const auto& report : list) EXPECT_TRUE(report.at("ok").get<bool>()) << report;
  }
  EXPECT_EQ(loop->totals().probes, 18u);
  EXPECT_EQ(loop->totals().probes_ok, 18u);
  // The loop waited for the next due probe instead of spinning: at most one turn per second
  // of idle wait (the cap) plus the turn that starts and the one that collects each probe.
  EXPECT_LE(prober_.waits.size(), 60u + 2 * 18u);
}

TEST_F(ProbeLoopTest, NeverHasMoreProbesInFlightThanTheLimitAndStartsTheRestAsSlotsFree) {
  // Probes of two seconds (a busy poll moves the clock by 1 ms), phases spread over the 10 s
  // period: about four due at any time, more than the limit of 3.
  prober_.polls_to_finish = 2000;
  auto loop = loopOver(configText(urlList(20), R"("max_concurrent_probes": 3)"));
  turnUntil(*loop, start_ + 30s);
  EXPECT_EQ(prober_.max_in_flight, 3u);
  const auto reports = takeReports();
  EXPECT_EQ(reports.size(), 20u);  // every URL got its turn
  EXPECT_EQ(metrics_.skipped_runs.value(), 0u);
}

TEST_F(ProbeLoopTest, AUrlWithSeveralAttemptsGivesOneReportHoldingThemAll) {
  auto loop = loopOver(configText(urlList(1, R"(, "attempts": 3, "attempt_spacing": 1)")));
  turnUntil(*loop, start_ + 10s + 3s);  // the first run and its spacing, whatever its phase
  const auto reports = takeReports();
  ASSERT_EQ(reports.size(), 1u);
  const auto& list = reports.begin()->second;
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list.front().at("attempts").size(), 3u) << list.front();
  EXPECT_EQ(prober_.started, 3u);
}

TEST_F(ProbeLoopTest, DrainWaitsForProbesInFlightAndReportsARunCutShort) {
  prober_.polls_to_finish = 5;
  auto loop = loopOver(configText(urlList(2, R"(, "attempts": 2, "attempt_spacing": 5)")));
  while (prober_.started < 2) loop->turn();  // both first attempts running, nothing finished
  EXPECT_TRUE(takeReports().empty());
  loop->drain();
  EXPECT_EQ(prober_.inFlight(), 0u);
  const auto reports = takeReports();
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& [url, list] : reports) {
    ASSERT_EQ(list.size(), 1u) << url;
    EXPECT_EQ(list.front().at("attempts").size(), 1u) << list.front();  // the one it made
  }
}

TEST_F(ProbeLoopTest, ReloadsOnSighupAndKeepsTheRunningSetWhenTheNewFileIsInvalid) {
  auto loop = loopOver(configText(urlList(2)));
  write(configText(urlList(3)));
  ASSERT_EQ(::raise(SIGHUP), 0);
  // The file is read on the reloader's thread: real time passes for it, not the test clock.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (loop->urls() != 3 && std::chrono::steady_clock::now() < deadline) {
    loop->turn();
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(loop->urls(), 3u);
  EXPECT_EQ(metrics_.reloads_applied.value(), 1u);
  EXPECT_EQ(metrics_.monitored_urls.value(), 3.0);

  write(configText(urlList(1) + R"(, {"url": "ftp://127.0.0.1/"})"));
  ASSERT_EQ(::raise(SIGHUP), 0);
  while (metrics_.reloads_rejected.value() == 0 && std::chrono::steady_clock::now() < deadline) {
    loop->turn();
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(metrics_.reloads_rejected.value(), 1u);
  EXPECT_EQ(loop->urls(), 3u);
  // And the reloaded set is what gets probed.
  const auto from = now_;
  turnUntil(*loop, from + 10s);
  EXPECT_EQ(takeReports().count("http://127.0.0.1/2"), 1u);
}

TEST_F(ProbeLoopTest, WritesTheStatsLineEveryStatsIntervalOfTheLoopsClock) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("probe-loop-test", sink));
  {
    auto loop = loopOver(configText(urlList(2), R"("stats_interval": 10)"));
    turnUntil(*loop, start_ + 35s);
  }
  spdlog::set_default_logger(previous);
  std::vector<std::string> stats;
  for (const auto& line : sink->last_formatted()) {
    if (line.find("stats urls=2 ") != std::string::npos) stats.push_back(line);
  }
  ASSERT_EQ(stats.size(), 3u);  // at 10, 20 and 30 s
  // Each covers its own 10 s: two URLs, one probe each, so 0.2 probes per second.
  EXPECT_NE(stats.back().find("probes=6 "), std::string::npos) << stats.back();
  EXPECT_NE(stats.back().find("probes_per_s=0.2 "), std::string::npos) << stats.back();
}

}  // namespace
}  // namespace webmon::producer
