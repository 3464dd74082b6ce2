#pragma once
// For tests of name resolution: a dnsmasq on a free port of 127.0.0.1 with records the test
// chooses, and UDP sockets on free ports (a server that never answers, a port nobody uses).

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace webmon::testing {

inline sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

// A UDP socket bound to a free port on 127.0.0.1; the port is returned through `port`.
inline int boundUdpSocket(int& port) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

// A port free for both UDP and TCP on 127.0.0.1 a moment ago (dnsmasq listens on both).
inline int freeDnsPort() {
  for (;;) {
    int port = 0;
    const int udp = boundUdpSocket(port);
    const int tcp = socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in address = loopback(port);
    const bool tcp_free =
        bind(tcp, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    close(tcp);
    close(udp);
    if (tcp_free) return port;
  }
}

inline bool acceptsTcp(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in address = loopback(port);
  const bool connected =
      connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return connected;
}

/// A dnsmasq on 127.0.0.1 for the test that starts it: no upstream, so every name it was not
/// given is NXDOMAIN and no query leaves the machine. The default records are the dns prober
/// tests'; `extra` adds dnsmasq options (more records, --local-ttl, --log-queries).
class LocalDnsServer {
 public:
  explicit LocalDnsServer(std::vector<std::string> extra = {}) : extra_(std::move(extra)) {
    // Another test may take the port between our check and dnsmasq's bind: then dnsmasq
    // exits, and we try another one.
    for (int tries = 0; tries < 5 && !running(); ++tries) {
      port_ = freeDnsPort();
      spawn();
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      while (running() && !acceptsTcp(port_) && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (running() && acceptsTcp(port_)) return;
      stop();
    }
  }
  ~LocalDnsServer() { stop(); }
  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void spawn() {
    std::vector<std::string> args = {
        "/usr/sbin/dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
        "--bind-interfaces", "--listen-address=127.0.0.1", "--port=" + std::to_string(port_),
        "--pid-file=", "--log-facility=-",
        // Everything not listed below does not exist.
        "--address=/#/", "--host-record=up.test,127.0.0.9,::9",
        "--host-record=v4only.test,127.0.0.10", "--cname=www.up.test,up.test",
        "--mx-host=up.test,mail.up.test,10", "--txt-record=up.test,v=webmon ok"};
    // dnsmasq refuses a flag given twice: a test's own log file replaces stderr.
    const bool own_log = std::any_of(extra_.begin(), extra_.end(), [](const std::string& arg) {
      return arg.rfind("--log-facility=", 0) == 0;
    });
    if (own_log) args.erase(std::find(args.begin(), args.end(), "--log-facility=-"));
    args.insert(args.end(), extra_.begin(), extra_.end());
    if (geteuid() == 0) args.push_back("--user=root");  // else it would switch to nobody
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  int port_ = 0;
};

/// A DNS server that answers every query with the same response code (2 SERVFAIL, 5 REFUSED)
/// and no records: what a resolver in trouble says, which dnsmasq cannot be told to say.
class FailingDnsServer {
 public:
  explicit FailingDnsServer(int rcode) : fd_(boundUdpSocket(port_)), rcode_(rcode) {
    timeval wake{0, 100'000};  // so the thread sees `stop_` soon
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wake, sizeof wake);
    thread_ = std::thread([this] { serve(); });
  }
  ~FailingDnsServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    unsigned char packet[512];
    while (!stop_) {
      sockaddr_in from{};
      socklen_t length = sizeof from;
      const auto got =
          recvfrom(fd_, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&from), &length);
      if (got < 12) continue;
      packet[2] |= 0x80;                                                            // a response
      packet[3] = static_cast<unsigned char>((packet[3] & 0xf0) | (rcode_ & 0xf));  // its code
      sendto(fd_, packet, static_cast<std::size_t>(got), 0, reinterpret_cast<sockaddr*>(&from),
             length);
    }
  }

  int port_ = 0;
  int fd_;
  int rcode_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace webmon::testing
