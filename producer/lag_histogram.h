#pragma once
// How late probes start compared with their plan, summarised as percentiles for the stats line
// (and, through it, the benchmark). A fixed histogram instead of a list of samples: at ten
// thousand probes a second a minute of samples would be megabytes, the histogram is 16 kB.

#include <array>
#include <chrono>
#include <cstdint>

namespace webmon::producer {

class LagHistogram {
 public:
  /// Records one lag; negative lags (an early start) count as zero.
  void record(std::chrono::microseconds lag) noexcept;

  /// The smallest bucket bound below which at least `fraction` (0..1] of the samples fall, in
  /// milliseconds: exact to 0.1 ms up to 100 ms, to 10 ms up to 10 s; above that, the maximum.
  double percentileMs(double fraction) const noexcept;
  double maxMs() const noexcept { return static_cast<double>(max_us_) / 1000.0; }
  std::uint64_t count() const noexcept { return count_; }

  void reset() noexcept { *this = LagHistogram{}; }

 private:
  static constexpr std::int64_t kFineStepUs = 100;            // 0.1 ms buckets ...
  static constexpr std::int64_t kFineLimitUs = 100'000;       // ... up to 100 ms,
  static constexpr std::int64_t kCoarseStepUs = 10'000;       // then 10 ms buckets ...
  static constexpr std::int64_t kCoarseLimitUs = 10'000'000;  // ... up to 10 s.
  static constexpr std::size_t kFineBuckets = kFineLimitUs / kFineStepUs;
  static constexpr std::size_t kBuckets =
      kFineBuckets + (kCoarseLimitUs - kFineLimitUs) / kCoarseStepUs + 1;  // + overflow

  static std::size_t bucketOf(std::int64_t us) noexcept;
  static std::int64_t upperBoundUs(std::size_t bucket) noexcept;

  std::array<std::uint32_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::int64_t max_us_ = 0;
};

}  // namespace webmon::producer
