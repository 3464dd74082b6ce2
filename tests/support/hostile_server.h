#pragma once
// A deliberately badly behaved HTTP server on 127.0.0.1, for testing that probes end within
// their timeout and keep no more than they must. Raw sockets, because a well-behaved HTTP
// library will not misbehave on purpose. One thread per connection; test use only.
//
//   /silent          accepts, reads the request, never answers
//   /drip-headers    sends the status line and headers one byte per second, forever
//   /endless         200 with no length, then body bytes as fast as the client reads
//   /huge            200 with Content-Length: 104857600, and sends all 100 MB
//   /close-mid       promises 1000 bytes, sends 100, closes
//   /redirect-loop   302 to itself
//   anything else    404

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace webmon::testing {

class HostileServer {
 public:
  HostileServer();  // listens on a free port at once; throws std::runtime_error if it cannot
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  int port() const noexcept { return port_; }

 private:
  void acceptLoop();
  void serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> connections_;
  std::vector<int> open_fds_;
};

}  // namespace webmon::testing
