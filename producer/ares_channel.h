#pragma once
// One c-ares channel, owned, and driven from the producer's event loop: it records which
// sockets c-ares wants watched, hands them to the loop's poll, and runs c-ares on those that
// became ready (and on its timers). Shared by the dns prober and the host resolver.

#include <ares.h>

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include "producer/probe_result.h"

namespace webmon::producer {

/// ares_library_init / ares_library_cleanup, paired (c-ares counts them).
class AresLibrary {
 public:
  AresLibrary();
  ~AresLibrary();
  AresLibrary(const AresLibrary&) = delete;
  AresLibrary& operator=(const AresLibrary&) = delete;
};

class AresChannel {
 public:
  struct Settings {
    std::string servers;     // "ip", "ip:port" or a list, c-ares' CSV; empty: /etc/resolv.conf
    int try_timeout_ms = 0;  // per try; 0: resolv.conf's (or c-ares' default)
    int tries = 0;           // 0: resolv.conf's (or c-ares' default)
    // Report SERVFAIL and REFUSED as they are instead of asking the next server, as a dns
    // probe must; a resolver for connections asks on, as the system's does.
    bool report_server_errors = false;
  };

  /// Throws std::runtime_error naming what c-ares refused (a bad server list, say).
  explicit AresChannel(const Settings& settings);
  /// Destroying the channel calls every outstanding callback with ARES_EDESTRUCTION.
  ~AresChannel();
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  ares_channel get() const noexcept { return handle_; }

  /// Appends the sockets c-ares wants watched, with what each waits for.
  void addWaits(std::vector<WaitFd>& waits) const;
  /// Runs c-ares on the sockets of `waits` that are its own and became ready, then on its
  /// timers (retries, giving up). Callbacks run inside.
  void process(const std::vector<WaitFd>& waits);
  /// When c-ares' next timer is due, at most `cap` from now.
  std::chrono::milliseconds nextWake(std::chrono::milliseconds cap) const;

 private:
  static void onSocketState(void* data, ares_socket_t fd, int readable, int writable);

  ares_channel handle_ = nullptr;
  std::unordered_map<int, std::pair<bool, bool>> sockets_;  // fd -> (read, write)
};

}  // namespace webmon::producer
