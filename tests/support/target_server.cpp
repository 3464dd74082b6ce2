// webmon-target-server: local HTTP targets for the demo and the tests (loopback only).
//
//   GET /ok              200 "ok"
//   GET /ok/<name>       200 "ok", counted apart per name (many targets on one server)
//   GET /status/<code>   that status code
//   GET /delay/<ms>      200 after <ms> milliseconds
//   GET /flaky           200 and 500 in turn, 200 first
//   GET /hits            how many requests each path has had, one "path count" per line
//   GET /switch/<name>   200 while the switch is up (the start), 503 while it is down
//   POST /switch/<name>/down, /switch/<name>/up   turn it: a target a test takes down and up
//
// With --hit-log FILE every request is also appended to FILE as "<ms since the epoch> <path>",
// so a test can tell when each target was probed, not only how often.
//
// With --silent-port-file it also opens a second port that accepts TCP connections but never
// answers, the classic hung server a probe must time out on. With --hostile-port-file it also
// runs the badly behaved server of tests/support/hostile_server.h (slow headers, endless or
// huge bodies, connections closed mid-response, redirect loops).

#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "tests/support/hostile_server.h"

namespace {

httplib::Server* g_server = nullptr;

bool writeAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << text << '\n';
    if (!out) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

// Listens, never accepts: the kernel completes the handshake, the request is never read.
int openSilentPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(fd, 4096) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int portOf(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

// Debian's cpp-httplib is a compiled library that listens with a backlog of 5: a burst of
// probes overflows it, the kernel drops their SYNs, and the clients send them again a second
// later, which the hit log shows as probes a second off their schedule. Calling listen() again
// on a listening socket sets a new backlog; httplib does not hand out its socket, so find it.
void widenListenBacklog(int port) {
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return;
  while (const dirent* entry = readdir(fds)) {
    const int fd = atoi(entry->d_name);
    int listening = 0;
    socklen_t size = sizeof listening;
    if (fd > 2 && getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 &&
        listening != 0 && portOf(fd) == port) {
      listen(fd, 1024);
    }
  }
  closedir(fds);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string port_file;
  std::string silent_port_file;
  std::string hostile_port_file;
  std::string hit_log_file;
  // Not a secret: a marker the credential tests look for everywhere it must not be.
  std::string basic_auth = "ops:webmon-test-password-7f3a";
  CLI::App app("Local HTTP targets for webmon's demo and tests (127.0.0.1 only).",
               "webmon-target-server");
  app.add_option("--port", port, "Port to listen on (0: any free port)");
  app.add_option("--port-file", port_file, "Write the chosen port to this file");
  app.add_option("--silent-port-file", silent_port_file,
                 "Also open a port that never answers and write it to this file");
  app.add_option("--hostile-port-file", hostile_port_file,
                 "Also run the badly behaved server and write its port to this file");
  app.add_option("--hit-log", hit_log_file,
                 "Append \"<epoch ms> <path>\" per request to this file");
  app.add_option("--basic-auth", basic_auth,
                 "USER:PASSWORD that /private wants (HTTP basic authentication)");
  CLI11_PARSE(app, argc, argv);
  const auto colon = basic_auth.find(':');
  const auto expected_authorization = httplib::make_basic_authentication_header(
                                          basic_auth.substr(0, colon), basic_auth.substr(colon + 1))
                                          .second;

  std::unique_ptr<webmon::testing::HostileServer> hostile;
  if (!hostile_port_file.empty()) {
    hostile = std::make_unique<webmon::testing::HostileServer>();
    if (!writeAtomically(hostile_port_file, std::to_string(hostile->port()))) {
      std::cerr << "webmon-target-server: cannot write " << hostile_port_file << '\n';
      return 1;
    }
  }

  std::mutex hits_mutex;
  std::map<std::string, long> hits;
  httplib::Server server;
  std::ofstream hit_log;
  if (!hit_log_file.empty()) {
    hit_log.open(hit_log_file, std::ios::app);
    if (!hit_log) {
      std::cerr << "webmon-target-server: cannot open " << hit_log_file << '\n';
      return 1;
    }
  }
  server.set_logger([&](const httplib::Request& request, const httplib::Response&) {
    std::lock_guard lock(hits_mutex);
    ++hits[request.path];
    if (hit_log.is_open()) {
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch());
      hit_log << now.count() << ' ' << request.path << '\n' << std::flush;
    }
  });
  server.Get(R"(/ok(/[A-Za-z0-9_-]+)?)", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  server.Get(
      R"(/status/(\d{3}))", [](const httplib::Request& request, httplib::Response& response) {
        response.status = std::stoi(request.matches[1]);
        response.set_content("status " + std::string(request.matches[1]) + "\n", "text/plain");
      });
  server.Get(
      R"(/delay/(\d{1,6}))", [](const httplib::Request& request, httplib::Response& response) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(request.matches[1])));
        response.set_content("ok\n", "text/plain");
      });
  // 200 with the --basic-auth credentials, 401 (and a challenge) without or with others.
  server.Get("/private", [&](const httplib::Request& request, httplib::Response& response) {
    if (request.get_header_value("Authorization") == expected_authorization) {
      response.set_content("private ok\n", "text/plain");
      return;
    }
    response.status = 401;
    response.set_header("WWW-Authenticate", "Basic realm=\"webmon-test\"");
    response.set_content("who are you?\n", "text/plain");
  });
  // Answers 200 and 500 in turn (first 200): a flaky service for tests of `attempts`.
  std::atomic<long> flaky_requests{0};
  server.Get("/flaky", [&](const httplib::Request&, httplib::Response& response) {
    const bool fail = flaky_requests++ % 2 == 1;
    response.status = fail ? 500 : 200;
    response.set_content(fail ? "failing\n" : "ok\n", "text/plain");
  });
  std::mutex switches_mutex;
  std::map<std::string, bool> switches_down;
  server.Get(R"(/switch/([a-z0-9_-]+))",
             [&](const httplib::Request& request, httplib::Response& response) {
               std::lock_guard lock(switches_mutex);
               const bool down = switches_down[request.matches[1]];
               response.status = down ? 503 : 200;
               response.set_content(down ? "switched down\n" : "ok\n", "text/plain");
             });
  server.Post(R"(/switch/([a-z0-9_-]+)/(up|down))",
              [&](const httplib::Request& request, httplib::Response& response) {
                std::lock_guard lock(switches_mutex);
                switches_down[request.matches[1]] = request.matches[2] == "down";
                response.set_content("ok\n", "text/plain");
              });
  server.Get("/hits", [&](const httplib::Request&, httplib::Response& response) {
    std::lock_guard lock(hits_mutex);
    std::string body;
    for (const auto& [path, count] : hits) body += path + " " + std::to_string(count) + "\n";
    response.set_content(body, "text/plain");
  });

  int silent_fd = -1;
  if (!silent_port_file.empty()) {
    silent_fd = openSilentPort();
    if (silent_fd < 0 || !writeAtomically(silent_port_file, std::to_string(portOf(silent_fd)))) {
      std::cerr << "webmon-target-server: cannot open the silent port\n";
      return 1;
    }
  }
  if (port == 0) {
    port = server.bind_to_any_port("127.0.0.1");
  } else if (!server.bind_to_port("127.0.0.1", port)) {
    port = -1;
  }
  if (port <= 0) {
    std::cerr << "webmon-target-server: cannot listen on 127.0.0.1\n";
    return 1;
  }
  if (!port_file.empty() && !writeAtomically(port_file, std::to_string(port))) {
    std::cerr << "webmon-target-server: cannot write " << port_file << '\n';
    return 1;
  }
  std::cerr << "webmon-target-server: http://127.0.0.1:" << port << "/ok" << std::endl;
  widenListenBacklog(port);
  g_server = &server;
  std::signal(SIGTERM, [](int) { g_server->stop(); });
  std::signal(SIGINT, [](int) { g_server->stop(); });
  server.listen_after_bind();
  if (silent_fd >= 0) close(silent_fd);
  return 0;
}
