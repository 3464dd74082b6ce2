#pragma once
// SIGTERM/SIGINT turned into a flag plus a file descriptor that
// becomes readable, so event loops can wake up from poll() the moment a signal arrives.

#include <atomic>
#include <chrono>

namespace webmon::common {

class ShutdownSignal {
 public:
  /// Installs the handlers; only one instance may exist at a time.
  ShutdownSignal();
  ~ShutdownSignal();
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;

  bool requested() const noexcept;
  /// Readable once a stop was requested; never drained, so every poller sees it.
  int fd() const noexcept;
  /// Requests a stop from inside the program (tests, fatal errors).
  void request() noexcept;
  /// Which signal asked for the stop (0 if request() did).
  int signalNumber() const noexcept;
  /// Sleeps for `delay`, or less: wakes at once when a stop is requested.
  void sleepFor(std::chrono::milliseconds delay) const noexcept;
};

}  // namespace webmon::common
