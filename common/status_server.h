#pragma once
// The HTTP endpoint each service serves for operators: GET /metrics (Prometheus text format)
// and GET /healthz (200 "ok", or 503 with the reason). It runs on its own thread
// (cpp-httplib), so a slow scrape never delays a probe or a batch.

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/metrics.h"

namespace httplib {
class Server;
}

namespace webmon::common {

struct Health {
  bool healthy = true;
  std::string reason;  // why not, for the 503 body and the log; when healthy, a warning
};

/// One reason a service may be unable to do its job, and for how long it has held (zero: it
/// does not hold).
struct HealthCondition {
  std::chrono::steady_clock::duration held_for;
  std::string_view what;         // "kafka unreachable"
  std::string_view consequence;  // "reports are buffered in memory"; may be empty
};

/// Unhealthy with the first condition that has held for longer than `grace`, as
/// "<what> for N s; <consequence>"; healthy when none has. Order the conditions by how
/// precisely they name the cause.
Health firstUnhealthy(std::chrono::milliseconds grace,
                      std::initializer_list<HealthCondition> conditions);

class StatusServer {
 public:
  /// Listens on `listen` ("host:port"; port 0 picks a free one) or throws std::runtime_error
  /// saying which address and what to do. `health` is called on the server's thread.
  StatusServer(const std::string& listen, const std::string& setting_name,
               const metrics::Registry& registry, std::function<Health()> health);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  int port() const noexcept { return port_; }
  const std::string& host() const noexcept { return host_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  int port_ = 0;
  std::thread thread_;
};

/// Waits (up to 10 s) until `server`'s listening thread has marked it running: cpp-httplib's
/// stop() does nothing before that, so a destructor stopping a server that started a moment
/// ago would otherwise wait for ever.
void waitUntilRunning(const httplib::Server& server);

/// Starts a StatusServer on `listen` unless it is empty. If the address cannot be used, logs
/// the error and returns null: `service` goes on without the endpoint, because probing and
/// storing reports matter more than being watched.
std::unique_ptr<StatusServer> startStatusServer(const std::string& listen,
                                                const std::string& setting_name,
                                                const metrics::Registry& registry,
                                                std::function<Health()> health,
                                                const std::string& service);

}  // namespace webmon::common
