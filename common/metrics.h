#pragma once
// Prometheus metrics for both services, rendered in the text exposition format (0.0.4).
// Debian 12 packages no Prometheus client library for C++, and the little we need (counters,
// gauges, fixed-bucket histograms, a few labels) is small enough to own.
//
// Updating a metric is lock-free (atomics), so the probe loop and the consumer's threads pay
// next to nothing; only registration and rendering take the registry's lock.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace webmon::common::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t by = 1) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  /// `bounds`: the buckets' upper bounds, ascending; +Inf is added.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value) noexcept;

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, plus +Inf
  std::atomic<double> sum_{0};
};

/// A moment (steady clock) one thread sets and another reads: "since when" for /healthz.
class Moment {
 public:
  using Clock = std::chrono::steady_clock;
  void set(Clock::time_point when) noexcept { since_ = when.time_since_epoch().count(); }
  /// Sets it only if it is not set: keeps the start of an ongoing condition.
  void setIfUnset(Clock::time_point when) noexcept {
    Clock::rep unset = 0;
    since_.compare_exchange_strong(unset, when.time_since_epoch().count());
  }
  void clear() noexcept { since_ = 0; }
  bool isSet() const noexcept { return since_.load() != 0; }
  /// How long ago it was set; zero when it is not.
  Clock::duration elapsed() const noexcept {
    const auto since = since_.load();
    if (since == 0) return {};
    return Clock::now() - Clock::time_point(Clock::duration(since));
  }

 private:
  std::atomic<Clock::rep> since_{0};
};

/// A value computed when scraped (queue depth, Kafka state): no bookkeeping in the hot path.
using Sampler = std::function<double()>;
/// Several labelled values computed when scraped (per-partition lag).
using MultiSampler = std::function<std::vector<std::pair<Labels, double>>()>;

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                       const Labels& labels = {});
  /// A counter or gauge whose value is read from `sample` at scrape time; it must be
  /// thread-safe. `type` is "counter" or "gauge".
  void sampled(const std::string& name, const std::string& help, const std::string& type,
               Sampler sample, const Labels& labels = {});
  void sampledFamily(const std::string& name, const std::string& help, const std::string& type,
                     MultiSampler sample);

  /// Every metric in the text exposition format, families in registration order.
  std::string render() const;

 private:
  struct Series {
    std::string labels;  // rendered: {a="x",b="y"} or empty
    Counter* counter = nullptr;
    Gauge* gauge = nullptr;
    Histogram* histogram = nullptr;
    Sampler sampler;
  };
  struct Family {
    std::string name, help, type;
    std::vector<Series> series;
    MultiSampler multi;
  };
  Family& family(const std::string& name, const std::string& help, const std::string& type);
  /// Renders `labels` into `series` and files it under its family; the caller holds mutex_.
  void addSeries(const std::string& name, const std::string& help, const std::string& type,
                 const Labels& labels, Series series);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;
  std::map<std::string, Family*> by_name_;
  std::deque<Counter> counters_;  // deques: references stay valid as metrics are added
  std::deque<Gauge> gauges_;
  std::deque<Histogram> histograms_;
};

/// `{a="x",b="y"}` with label values escaped as the format requires; empty for no labels.
std::string renderLabels(const Labels& labels);

}  // namespace webmon::common::metrics
