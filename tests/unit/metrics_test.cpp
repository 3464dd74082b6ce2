#include "common/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "common/status_server.h"

namespace webmon::common::metrics {
namespace {

using ::testing::HasSubstr;

TEST(Metrics, CountersAndGaugesRenderWithHelpTypeAndLabels) {
  Registry registry;
  auto& ok = registry.counter("webmon_probes_total", "Probes.", {{"result", "ok"}});
  auto& failed = registry.counter("webmon_probes_total", "Probes.", {{"result", "dns"}});
  auto& urls = registry.gauge("webmon_monitored_urls", "URLs.");
  ok.inc(3);
  failed.inc();
  urls.set(2.5);
  EXPECT_EQ(registry.render(),
            "# HELP webmon_probes_total Probes.\n"
            "# TYPE webmon_probes_total counter\n"
            "webmon_probes_total{result=\"ok\"} 3\n"
            "webmon_probes_total{result=\"dns\"} 1\n"
            "# HELP webmon_monitored_urls URLs.\n"
            "# TYPE webmon_monitored_urls gauge\n"
            "webmon_monitored_urls 2.5\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry registry;
  auto& histogram = registry.histogram("lag_seconds", "Lag.", {0.25, 0.5, 1});
  // Binary fractions, so the sum is exact.
  for (double value : {0.125, 0.25, 0.375, 0.75, 7.0}) histogram.observe(value);
  const auto text = registry.render();
  EXPECT_THAT(text, HasSubstr("lag_seconds_bucket{le=\"0.25\"} 2\n"));  // le is inclusive
  EXPECT_THAT(text, HasSubstr("lag_seconds_bucket{le=\"0.5\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("lag_seconds_bucket{le=\"1\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("lag_seconds_bucket{le=\"+Inf\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("lag_seconds_sum 8.5\n"));
  EXPECT_THAT(text, HasSubstr("lag_seconds_count 5\n"));
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(renderLabels({{"url", "a\"b\\c\nd"}}), R"({url="a\"b\\c\nd"})");
  EXPECT_EQ(renderLabels({}), "");
}

TEST(Metrics, SampledValuesAreReadAtScrapeTime) {
  Registry registry;
  double depth = 1;
  registry.sampled("queue_depth", "Depth.", "gauge", [&depth] { return depth; });
  registry.sampledFamily("lag", "Lag.", "gauge", [] {
    return std::vector<std::pair<Labels, double>>{{{{"partition", "0"}}, 4},
                                                  {{{"partition", "1"}}, 0}};
  });
  depth = 42;
  const auto text = registry.render();
  EXPECT_THAT(text, HasSubstr("queue_depth 42\n"));
  EXPECT_THAT(text, HasSubstr("lag{partition=\"0\"} 4\nlag{partition=\"1\"} 0\n"));
}

TEST(Metrics, CountingFromManyThreadsLosesNothing) {
  Registry registry;
  auto& counter = registry.counter("c_total", "C.");
  auto& histogram = registry.histogram("h", "H.", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.inc();
        histogram.observe(0.5);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 40000u);
  EXPECT_THAT(registry.render(), HasSubstr("h_sum 20000\nh_count 40000\n"));
}

TEST(Metrics, ATypeClashIsAProgrammingError) {
  Registry registry;
  registry.counter("x", "X.");
  EXPECT_THROW(registry.gauge("x", "X."), std::logic_error);
}

TEST(Health, TheFirstConditionPastTheGraceNamesItselfAndHowLong) {
  using std::chrono::seconds;
  const auto grace = std::chrono::milliseconds(30'000);
  EXPECT_TRUE(common::firstUnhealthy(grace, {{seconds(30), "kafka unreachable", "x"}}).healthy);
  const auto both =
      common::firstUnhealthy(grace, {{seconds(10), "postgres failing", "a"},
                                     {seconds(45), "kafka unreachable", "reports buffer"},
                                     {seconds(90), "the loop has not run", ""}});
  EXPECT_FALSE(both.healthy);
  EXPECT_EQ(both.reason, "kafka unreachable for 45 s; reports buffer");
  EXPECT_EQ(common::firstUnhealthy(grace, {{seconds(90), "the loop has not run", ""}}).reason,
            "the loop has not run for 90 s");
}

TEST(Moment, ElapsedIsZeroUntilSetAndSetIfUnsetKeepsTheFirst) {
  Moment moment;
  EXPECT_FALSE(moment.isSet());
  EXPECT_EQ(moment.elapsed().count(), 0);
  const auto now = std::chrono::steady_clock::now();
  moment.setIfUnset(now - std::chrono::seconds(5));
  moment.setIfUnset(now);  // the condition was already holding: keeps its start
  EXPECT_TRUE(moment.isSet());
  EXPECT_GE(moment.elapsed(), std::chrono::seconds(5));
  moment.clear();
  EXPECT_FALSE(moment.isSet());
}

}  // namespace
}  // namespace webmon::common::metrics
