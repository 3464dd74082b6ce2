#include "producer/lag_histogram.h"

#include <algorithm>
#include <cmath>

namespace webmon::producer {

std::size_t LagHistogram::bucketOf(std::int64_t us) noexcept {
  if (us < kFineLimitUs) return static_cast<std::size_t>(us / kFineStepUs);
  if (us < kCoarseLimitUs) {
    return kFineBuckets + static_cast<std::size_t>((us - kFineLimitUs) / kCoarseStepUs);
  }
  return kBuckets - 1;
}

std::int64_t LagHistogram::upperBoundUs(std::size_t bucket) noexcept {
  if (bucket < kFineBuckets) return static_cast<std::int64_t>(bucket + 1) * kFineStepUs;
  return kFineLimitUs + static_cast<std::int64_t>(bucket - kFineBuckets + 1) * kCoarseStepUs;
}

void LagHistogram::record(std::chrono::microseconds lag) noexcept {
  const std::int64_t us = std::max<std::int64_t>(0, lag.count());
  ++buckets_[bucketOf(us)];
  ++count_;
  max_us_ = std::max(max_us_, us);
}

double LagHistogram::percentileMs(double fraction) const noexcept {
  if (count_ == 0) return 0.0;
  const auto wanted = static_cast<std::uint64_t>(
      std::ceil(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < kBuckets - 1; ++bucket) {
    seen += buckets_[bucket];
    if (seen >= std::max<std::uint64_t>(wanted, 1)) {
      // A bucket's bound can exceed the largest sample in it; never report more than the max.
      return static_cast<double>(std::min(upperBoundUs(bucket), max_us_)) / 1000.0;
    }
  }
  return maxMs();
}

}  // namespace webmon::producer
