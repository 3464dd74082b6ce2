#include "common/backoff.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace webmon::common {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double factor,
                 double jitter, Random01 random)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      factor_(std::max(factor, 1.0)),
      jitter_(std::clamp(jitter, 0.0, 1.0)),
      random_(std::move(random)) {
  if (!random_) {
    random_ = [generator = std::mt19937_64{std::random_device{}()}]() mutable {
      return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
    };
  }
}

std::chrono::milliseconds Backoff::next() {
  const double uncapped =
      static_cast<double>(initial_.count()) * std::pow(factor_, static_cast<double>(exponent_));
  const double capped = std::min(uncapped, static_cast<double>(max_.count()));
  // Stop growing the exponent once capped, so it cannot overflow after days of retrying.
  if (uncapped < static_cast<double>(max_.count())) ++exponent_;
  ++attempt_;
  const double jittered = capped * (1.0 - jitter_ * random_());
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(jittered)));
}

}  // namespace webmon::common
