// webmon-test-receiver: a local notification receiver for the alert tests (loopback only).
// Records every POST to /hook as one JSON line in --record (its Idempotency-Key, the status it
// was answered with, the body), and misbehaves on request:
//
//   POST /control/fail?seconds=N   answer 500 for the next N seconds
//   POST /control/hang?seconds=N   for the next N seconds, hold each request N seconds
//   POST /control/ok               behave again
//
// A request held past the client's patience is recorded with "answered": 0 (the client gave
// up: it does not count as delivered).

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace {

httplib::Server* g_server = nullptr;
using Clock = std::chrono::steady_clock;

}  // namespace

int main(int argc, char** argv) {
  std::string port_file, record_path;
  CLI::App app("A notification receiver that records what it is sent (127.0.0.1 only).",
               "webmon-test-receiver");
  app.add_option("--port-file", port_file, "Write the chosen port to this file")->required();
  app.add_option("--record", record_path, "Append one JSON line per request here")->required();
  CLI11_PARSE(app, argc, argv);

  std::mutex mutex;
  std::ofstream record(record_path, std::ios::app);
  Clock::time_point fail_until{}, hang_until{};
  std::chrono::seconds hang_for{0};

  httplib::Server server;
  server.Post("/hook", [&](const httplib::Request& request, httplib::Response& response) {
    Clock::time_point now = Clock::now();
    bool hang = false, fail = false;
    std::chrono::seconds hold{0};
    {
      std::lock_guard lock(mutex);
      hang = now < hang_until;
      fail = now < fail_until;
      hold = hang_for;
    }
    if (hang) std::this_thread::sleep_for(hold);
    // Held: the client has given up by now, whatever is answered.
    const int answered = hang ? 0 : fail ? 500 : 200;
    response.status = answered == 500 ? 500 : 200;
    response.set_content(answered == 500 ? "failing on purpose\n" : "ok\n", "text/plain");
    nlohmann::json line = {{"idempotency_key", request.get_header_value("Idempotency-Key")},
                           {"answered", answered},
                           {"body", nlohmann::json::parse(request.body, nullptr, false)}};
    std::lock_guard lock(mutex);
    record << line.dump() << '\n' << std::flush;
  });
  const auto seconds = [](const httplib::Request& request) {
    return std::chrono::seconds(std::stoi(request.get_param_value("seconds")));
  };
  server.Post("/control/fail", [&](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex);
    fail_until = Clock::now() + seconds(request);
    response.set_content("ok\n", "text/plain");
  });
  server.Post("/control/hang", [&](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex);
    hang_for = seconds(request);
    hang_until = Clock::now() + hang_for;
    response.set_content("ok\n", "text/plain");
  });
  server.Post("/control/ok", [&](const httplib::Request&, httplib::Response& response) {
    std::lock_guard lock(mutex);
    fail_until = hang_until = Clock::time_point{};
    response.set_content("ok\n", "text/plain");
  });
  server.new_task_queue = [] { return new httplib::ThreadPool(8); };
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::cerr << "webmon-test-receiver: cannot listen on 127.0.0.1\n";
    return 1;
  }
  {
    const std::string temporary = port_file + ".tmp";
    std::ofstream(temporary) << port << '\n';
    std::rename(temporary.c_str(), port_file.c_str());
  }
  g_server = &server;
  std::signal(SIGTERM, [](int) { g_server->stop(); });
  std::signal(SIGINT, [](int) { g_server->stop(); });
  server.listen_after_bind();
  return 0;
}
