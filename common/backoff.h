#pragma once
// Capped exponential back-off with jitter, for every "try again later" in webmon.

#include <chrono>
#include <functional>

namespace webmon::common {

/// Delays grow initial, initial*factor, ... up to max; each is shortened by a random share of
/// up to `jitter` (0..1) so that many clients retrying at once spread out. Never returns zero,
/// so a caller cannot turn it into a busy loop.
class Backoff {
 public:
  using Random01 = std::function<double()>;  // uniform in [0, 1)

  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double factor = 2.0,
          double jitter = 0.2, Random01 random = {});

  std::chrono::milliseconds next();
  void reset() noexcept { attempt_ = exponent_ = 0; }
  int attempts() const noexcept { return attempt_; }
  std::chrono::milliseconds max() const noexcept { return max_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  double factor_;
  double jitter_;
  Random01 random_;
  int attempt_ = 0;   // delays handed out since the last reset
  int exponent_ = 0;  // stops growing at the cap
};

}  // namespace webmon::common
