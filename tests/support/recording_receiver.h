#pragma once
// A local HTTP receiver for notification tests: records every POST it is sent (its
// Idempotency-Key and body), and answers as the test tells it: 200, 500 for a while, or not
// in time (it hangs).

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace webmon::testing {

class RecordingReceiver {
 public:
  struct Request {
    std::string idempotency_key, authorization, body;
    int answered = 0;  // the status sent back (0: hung past the client's patience)
  };

  RecordingReceiver() {
    server_.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
      const int fail = failures_left_.load();
      const auto hang = hang_for_.load();
      int status = 200;
      if (hang > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(hang));
        status = 0;
      } else if (fail > 0) {
        failures_left_ = fail - 1;
        status = 500;
      }
      {
        std::lock_guard lock(mutex_);
        requests_.push_back({request.get_header_value("Idempotency-Key"),
                             request.get_header_value("Authorization"), request.body, status});
      }
      response.status = status == 0 ? 200 : status;
      response.set_content(status == 500 ? "receiver broken on purpose" : "ok", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    // Bound and listening already: a request made before the thread accepts it waits.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RecordingReceiver() {
    hang_for_ = 0;
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  /// The next `n` requests get a 500.
  void failNext(int n) { failures_left_ = n; }
  /// Every request waits this long before it is answered (0: answer at once).
  void hangFor(std::chrono::milliseconds ms) { hang_for_ = static_cast<int>(ms.count()); }

  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  /// The requests answered 200 in time: what the receiver accepted.
  std::vector<Request> accepted() {
    std::vector<Request> out;
    for (auto& r : requests()) {
      if (r.answered == 200) out.push_back(r);
    }
    return out;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> failures_left_{0};
  std::atomic<int> hang_for_{0};
  std::mutex mutex_;
  std::vector<Request> requests_;
};

}  // namespace webmon::testing
