#include "common/status_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace webmon::common {

StatusServer::StatusServer(const std::string& listen, const std::string& setting_name,
                           const metrics::Registry& registry, std::function<Health()> health)
    : server_(std::make_unique<httplib::Server>()) {
  const auto colon = listen.rfind(':');
  host_ = listen.substr(0, colon);
  const int wanted_port = std::stoi(listen.substr(colon + 1));  // validated with the config
  server_->Get("/metrics", [&registry](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz",
               [health = std::move(health)](const httplib::Request&, httplib::Response& response) {
                 const Health now = health();
                 response.status = now.healthy ? 200 : 503;
                 // Healthy with a reason: working, with something an operator should see
                 // (a notification receiver failing) that a restart would not mend.
                 const std::string body = !now.healthy         ? "unhealthy: " + now.reason
                                          : now.reason.empty() ? std::string("ok")
                                                               : "ok, but " + now.reason;
                 response.set_content(body + "\n", "text/plain; charset=utf-8");
               });
  // Scrapes are rare and small: two threads are plenty, and idle connections close soon.
  server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  server_->set_keep_alive_timeout(5);
  if (wanted_port == 0) {
    port_ = server_->bind_to_any_port(host_);
  } else {
    port_ = server_->bind_to_port(host_, wanted_port) ? wanted_port : -1;
  }
  if (port_ <= 0) {
    throw std::runtime_error("cannot listen on " + listen + " for /metrics and /healthz " +
                             "(address in use, or not an address of this machine?): set " +
                             setting_name + " to a free address, or to \"\" to turn it off");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // cpp-httplib's stop() does nothing until the listening thread has marked the server
  // running: a service that stops a few milliseconds after it started (a missing Kafka topic)
  // then waited in the destructor for ever. CI saw it: real_kafka.missing_topic hung.
  waitUntilRunning(*server_);
}

void waitUntilRunning(const httplib::Server& server) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server.is_running() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

StatusServer::~StatusServer() {
  waitUntilRunning(*server_);  // the constructor did; this is for a thread that started late anyway
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

Health firstUnhealthy(std::chrono::milliseconds grace,
                      std::initializer_list<HealthCondition> conditions) {
  for (const auto& condition : conditions) {
    if (condition.held_for <= grace) continue;
    std::string reason =
        std::string(condition.what) + " for " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(condition.held_for).count()) +
        " s";
    if (!condition.consequence.empty()) reason += "; " + std::string(condition.consequence);
    return {false, std::move(reason)};
  }
  return {};
}

std::unique_ptr<StatusServer> startStatusServer(const std::string& listen,
                                                const std::string& setting_name,
                                                const metrics::Registry& registry,
                                                std::function<Health()> health,
                                                const std::string& service) {
  if (listen.empty()) return nullptr;
  try {
    auto server = std::make_unique<StatusServer>(listen, setting_name, registry, std::move(health));
    spdlog::info("serving /metrics and /healthz on http://{}:{}", server->host(), server->port());
    return server;
  } catch (const std::exception& error) {
    spdlog::error("{}; {} goes on without /metrics and /healthz", error.what(), service);
    return nullptr;
  }
}

}  // namespace webmon::common
