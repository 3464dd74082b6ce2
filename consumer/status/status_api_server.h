#pragma once
// The consumer's public listener (consumer.status_listen): the status page at /, the JSON API
// under /api/v1/ (docs/openapi.yaml) and badges. Read-only, from PostgreSQL through its own
// connections (any consumer can serve it, and it survives restarts), on its own threads, so
// it never holds up ingest. Answers carry an ETag and Cache-Control, and are gzipped for
// clients that ask.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "consumer/status/status_data.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace webmon::consumer::status {

/// The URLs a config lists, for the API.
std::vector<ListedUrl> listedUrls(const common::Config& config);

class StatusApiServer {
 public:
  /// Listens on `listen` ("host:port", port 0: any free one) or throws std::runtime_error.
  StatusApiServer(const std::string& listen, common::DbConfig db, std::vector<ListedUrl> urls,
                  std::chrono::milliseconds uptime_refresh = std::chrono::seconds(30));
  ~StatusApiServer();
  StatusApiServer(const StatusApiServer&) = delete;
  StatusApiServer& operator=(const StatusApiServer&) = delete;

  int port() const noexcept { return port_; }
  const std::string& host() const noexcept { return host_; }

 private:
  void routes();
  void page(const httplib::Request& request, httplib::Response& response);
  void statusList(const httplib::Request& request, httplib::Response& response);
  void history(const httplib::Request& request, httplib::Response& response);
  void uptime(const httplib::Request& request, httplib::Response& response);
  void incidents(const httplib::Request& request, httplib::Response& response);
  void badge(const std::string& kind, bool svg, const httplib::Request& request,
             httplib::Response& response);

  StatusData data_;
  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  int port_ = 0;
  std::thread thread_;
};

/// Starts the server unless `listen` is empty; if the address cannot be used, logs why and
/// returns null (ingest matters more than the page).
std::unique_ptr<StatusApiServer> startStatusApi(const common::Config& config);

}  // namespace webmon::consumer::status
