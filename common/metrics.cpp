#include "common/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace webmon::common::metrics {
namespace {

// The exposition format escapes backslash and newline in HELP text, and also the double
// quote in label values.
std::string escape(const std::string& text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

// `{a="x"}` + `le="0.5"` -> `{a="x",le="0.5"}`.
std::string withLabel(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return "{" + extra + "}";
  return labels.substr(0, labels.size() - 1) + "," + extra + "}";
}

void atomicAdd(std::atomic<double>& target, double value) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + value, std::memory_order_relaxed)) {
  }
}

}  // namespace

std::string renderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + escape(labels[i].second, true) + "\"";
  }
  return out + "}";
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end())) {
    throw std::invalid_argument("histogram bounds must be ascending");
  }
}

void Histogram::observe(double value) noexcept {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  atomicAdd(sum_, value);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot out;
  out.bounds = bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    out.cumulative.push_back(running);
  }
  out.sum = sum_.load(std::memory_order_relaxed);
  return out;
}

Registry::Family& Registry::family(const std::string& name, const std::string& help,
                                   const std::string& type) {
  if (auto found = by_name_.find(name); found != by_name_.end()) {
    if (found->second->type != type) {
      throw std::logic_error("metric " + name + " registered with two types");
    }
    return *found->second;
  }
  families_.push_back(std::make_unique<Family>(Family{name, help, type, {}, {}}));
  by_name_[name] = families_.back().get();
  return *families_.back();
}

void Registry::addSeries(const std::string& name, const std::string& help, const std::string& type,
                         const Labels& labels, Series series) {
  series.labels = renderLabels(labels);
  family(name, help, type).series.push_back(std::move(series));
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series series;
  series.counter = &counters_.emplace_back();
  addSeries(name, help, "counter", labels, series);
  return *series.counter;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series series;
  series.gauge = &gauges_.emplace_back();
  addSeries(name, help, "gauge", labels, series);
  return *series.gauge;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series series;
  series.histogram = &histograms_.emplace_back(std::move(bounds));
  addSeries(name, help, "histogram", labels, series);
  return *series.histogram;
}

void Registry::sampled(const std::string& name, const std::string& help, const std::string& type,
                       Sampler sample, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series series;
  series.sampler = std::move(sample);
  addSeries(name, help, type, labels, std::move(series));
}

void Registry::sampledFamily(const std::string& name, const std::string& help,
                             const std::string& type, MultiSampler sample) {
  std::lock_guard lock(mutex_);
  family(name, help, type).multi = std::move(sample);
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& family : families_) {
    out += "# HELP " + family->name + " " + escape(family->help, false) + "\n";
    out += "# TYPE " + family->name + " " + family->type + "\n";
    for (const auto& series : family->series) {
      if (series.histogram) {
        const auto snapshot = series.histogram->snapshot();
        for (std::size_t i = 0; i < snapshot.bounds.size(); ++i) {
          out += family->name + "_bucket" +
                 withLabel(series.labels, "le=\"" + number(snapshot.bounds[i]) + "\"") + " " +
                 std::to_string(snapshot.cumulative[i]) + "\n";
        }
        out += family->name + "_bucket" + withLabel(series.labels, "le=\"+Inf\"") + " " +
               std::to_string(snapshot.cumulative.back()) + "\n";
        out += family->name + "_sum" + series.labels + " " + number(snapshot.sum) + "\n";
        out += family->name + "_count" + series.labels + " " +
               std::to_string(snapshot.cumulative.back()) + "\n";
      } else if (series.counter) {
        out += family->name + series.labels + " " + std::to_string(series.counter->value()) + "\n";
      } else if (series.gauge) {
        out += family->name + series.labels + " " + number(series.gauge->value()) + "\n";
      } else if (series.sampler) {
        out += family->name + series.labels + " " + number(series.sampler()) + "\n";
      }
    }
    if (family->multi) {
      for (const auto& [labels, value] : family->multi()) {
        out += family->name + renderLabels(labels) + " " + number(value) + "\n";
      }
    }
  }
  return out;
}

}  // namespace webmon::common::metrics
