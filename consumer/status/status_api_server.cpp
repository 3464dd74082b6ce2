#include "consumer/status/status_api_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "common/probe_report.h"
#include "common/status_server.h"
#include "consumer/status/badges.h"
#include "consumer/status/status_json.h"
#include "consumer/status/status_page.h"

namespace webmon::consumer::status {
namespace {

constexpr int kUrlsPerPage = 100;
constexpr std::size_t kProblemsShown = 50;

// A request the API refuses: 400 for a bad parameter, 404 for something that is not there.
struct Refusal {
  int status;
  std::string message;
  std::string parameter;
};

std::string requiredParameter(const httplib::Request& request, const std::string& name) {
  if (!request.has_param(name.c_str()) || request.get_param_value(name.c_str()).empty()) {
    throw Refusal{400, "the query parameter " + name + " is required", name};
  }
  return request.get_param_value(name.c_str());
}

int integerParameter(const httplib::Request& request, const std::string& name, int fallback,
                     int lowest, int highest) {
  if (!request.has_param(name.c_str())) return fallback;
  const auto text = request.get_param_value(name.c_str());
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < lowest ||
      value > highest) {
    throw Refusal{400,
                  name + " must be a whole number from " + std::to_string(lowest) + " to " +
                      std::to_string(highest) + ", not \"" + text + "\"",
                  name};
  }
  return value;
}

// The URL a request names, which must be one the API lists.
ListedUrl knownUrl(StatusData& data, const httplib::Request& request) {
  const auto url = requiredParameter(request, "url");
  auto found = data.find(url);
  if (!found) throw Refusal{404, "no monitored URL is \"" + url + "\"", "url"};
  return *found;
}

std::string isoTime(std::chrono::system_clock::time_point at = std::chrono::system_clock::now()) {
  return common::formatRfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(at));
}

// `since` as RFC 3339 (2026-12-01T08:00:00Z, with an offset or fraction) or a date
// (2026-12-01, UTC midnight), parsed here so a bad value is a 400 that names it, not a
// PostgreSQL error; PostgreSQL is given the instant in the API's own form.
std::string sinceParameter(const httplib::Request& request) {
  if (!request.has_param("since"))
    return isoTime(std::chrono::system_clock::now() - std::chrono::days(30));
  const auto text = request.get_param_value("since");
  const auto parsed = common::parseRfc3339(text.size() == 10 ? text + "T00:00:00Z" : text);
  if (!parsed) {
    throw Refusal{400,
                  "since must be an RFC 3339 time (2026-12-01T08:00:00Z) or a date "
                  "(2026-12-01), not \"" +
                      text + "\"",
                  "since"};
  }
  return common::formatRfc3339(*parsed);
}

// `window` (24h, 7d, 30d or 90d), or `fallback` without one.
UptimeWindow windowParameter(const httplib::Request& request, const char* fallback) {
  const auto text =
      request.has_param("window") ? request.get_param_value("window") : std::string(fallback);
  const auto window = parseUptimeWindow(text);
  if (!window) {
    throw Refusal{400, std::string("window must be ") + kUptimeWindows + ", not \"" + text + "\"",
                  "window"};
  }
  return *window;
}

// A cheap fingerprint of the body for the ETag (not a security boundary): FNV-1a's steps
// over 8 bytes at a time, as a byte at a time took a tenth of a 10,000-URL status answer.
// The same body gives the same tag in every consumer, so any of them can answer a 304.
std::string etagOf(const std::string& body) {
  std::uint64_t hash = 1469598103934665603ULL;
  std::size_t at = 0;
  for (; at + 8 <= body.size(); at += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, body.data() + at, 8);
    hash ^= word;
    hash *= 1099511628211ULL;
    hash ^= hash >> 29;  // FNV's multiply carries only upwards; fold the top bits back down
  }
  for (; at < body.size(); ++at) {
    hash ^= static_cast<unsigned char>(body[at]);
    hash *= 1099511628211ULL;
  }
  char text[24];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  // Weak: the same content may be sent gzipped or not.
  return std::string("W/\"") + text + "\"";
}

// A 200 with caching headers, or a 304 when the client already holds this body.
void answer(const httplib::Request& request, httplib::Response& response, std::string body,
            const char* content_type, int max_age_seconds) {
  const auto etag = etagOf(body);
  response.set_header("ETag", etag);
  response.set_header("Cache-Control", "public, max-age=" + std::to_string(max_age_seconds));
  const auto held = request.get_header_value("If-None-Match");
  if (!held.empty() && (held == "*" || held.find(etag) != std::string::npos)) {
    response.status = 304;
    return;
  }
  response.status = 200;
  response.set_content(std::move(body), content_type);
}

// A JSON body already written out (the 10,000-URL status list is, see statusJsonText).
void answerJsonText(const httplib::Request& request, httplib::Response& response, std::string body,
                    int max_age_seconds = 10) {
  // "application/json" exactly: cpp-httplib gzips that type, not one with parameters.
  answer(request, response, std::move(body), "application/json", max_age_seconds);
}

void answerJson(const httplib::Request& request, httplib::Response& response,
                const nlohmann::json& body, int max_age_seconds = 10) {
  answerJsonText(request, response, body.dump(), max_age_seconds);
}

void refuse(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  if (status == 503) response.set_header("Retry-After", "30");
  response.set_content(body.dump(), "application/json");
}

// Runs a handler, turning what it throws into the answer the API promises.
template <typename Handler>
void guarded(const httplib::Request& request, httplib::Response& response, bool html,
             Handler&& handler) {
  try {
    handler();
  } catch (const Refusal& refusal) {
    refuse(response, refusal.status, errorJson(refusal.message, refusal.parameter));
  } catch (const DatabaseUnavailable& error) {
    if (html) {
      response.status = 503;
      response.set_header("Cache-Control", "no-store");
      response.set_header("Retry-After", "30");
      response.set_content(renderUnavailablePage(error.what()), "text/html; charset=utf-8");
    } else {
      refuse(response, 503, errorJson(std::string("status unavailable: ") + error.what()));
    }
  } catch (const std::exception& error) {
    spdlog::error("status API: {} {} failed: {}", request.method, request.path, error.what());
    refuse(response, 500, errorJson(std::string("internal error: ") + error.what()));
  }
}

StatusCounts countStates(const std::vector<UrlOverview>& overview) {
  StatusCounts counts;
  for (const auto& item : overview) {
    const auto& status = item.state.status;
    (status == "up"         ? counts.up
     : status == "degraded" ? counts.degraded
     : status == "down"     ? counts.down
                            : counts.unknown)++;
  }
  return counts;
}

}  // namespace

std::vector<ListedUrl> listedUrls(const common::Config& config) {
  std::vector<ListedUrl> out;
  out.reserve(config.monitored_urls.size());
  for (const auto& url : config.monitored_urls) out.push_back({url.url, url.name, url.group});
  return out;
}

StatusApiServer::StatusApiServer(const std::string& listen, common::DbConfig db,
                                 std::vector<ListedUrl> urls,
                                 std::chrono::milliseconds uptime_refresh)
    : data_(std::move(db), std::move(urls), uptime_refresh),
      server_(std::make_unique<httplib::Server>()) {
  const auto colon = listen.rfind(':');
  host_ = listen.substr(0, colon);
  const int wanted_port = std::stoi(listen.substr(colon + 1));  // validated with the config
  routes();
  server_->new_task_queue = [] { return new httplib::ThreadPool(4); };
  server_->set_keep_alive_timeout(5);
  port_ = wanted_port == 0 ? server_->bind_to_any_port(host_)
                           : (server_->bind_to_port(host_, wanted_port) ? wanted_port : -1);
  if (port_ <= 0) {
    throw std::runtime_error("cannot listen on " + listen +
                             " for the status page and API (address in use, or not an address "
                             "of this machine?): set consumer.status_listen to a free address, "
                             "or to \"\" to turn it off");
  }
  data_.startRefreshing();
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  common::waitUntilRunning(*server_);
}

StatusApiServer::~StatusApiServer() {
  common::waitUntilRunning(*server_);
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void StatusApiServer::routes() {
  using httplib::Request;
  using httplib::Response;
  server_->Get("/", [this](const Request& q, Response& r) { page(q, r); });
  server_->Get("/api/v1/status", [this](const Request& q, Response& r) { statusList(q, r); });
  server_->Get("/api/v1/history", [this](const Request& q, Response& r) { history(q, r); });
  server_->Get("/api/v1/uptime", [this](const Request& q, Response& r) { uptime(q, r); });
  server_->Get("/api/v1/incidents", [this](const Request& q, Response& r) { incidents(q, r); });
  server_->Get(R"(/api/v1/badge/(status|uptime|response)\.(svg|json))",
               [this](const Request& q, Response& r) {
                 badge(q.matches[1].str(), q.matches[2].str() == "svg", q, r);
               });
  // Every other path: a JSON 404 rather than cpp-httplib's empty one.
  server_->set_error_handler([](const Request& q, Response& r) {
    if (r.status == 404 && r.body.empty()) {
      refuse(r, 404, errorJson("no such endpoint: " + q.path + " (see docs/openapi.yaml)"));
    }
  });
  server_->set_post_routing_handler(
      [](const Request&, Response& r) { r.set_header("X-Content-Type-Options", "nosniff"); });
}

void StatusApiServer::page(const httplib::Request& request, httplib::Response& response) {
  guarded(request, response, true, [&] {
    auto overview = data_.overview();
    PageModel model;
    model.generated_at = isoTime();
    model.today = model.generated_at.substr(0, 10);
    model.counts = countStates(overview);
    for (const auto& item : overview) {
      if (item.state.status != "down" && item.state.status != "degraded") continue;
      if (model.problems.size() < kProblemsShown) model.problems.push_back(item);
      ++model.problems_total;
    }
    // Down before degraded: what is worst comes first.
    std::stable_sort(model.problems.begin(), model.problems.end(),
                     [](const auto& a, const auto& b) {
                       return (a.state.status == "down") > (b.state.status == "down");
                     });
    if (request.has_param("group")) {
      model.group = request.get_param_value("group");
      const auto in_group = [&](const UrlOverview& item) {
        return item.listed.group == model.group;
      };
      if (std::none_of(overview.begin(), overview.end(), in_group)) {
        throw Refusal{404, "no monitored URL is in the group \"" + model.group + "\"", "group"};
      }
      std::erase_if(overview, [&](const UrlOverview& item) { return !in_group(item); });
    }
    // Groups in the order the config first names them, URLs in config order inside each.
    // Indices are sorted, not the entries: 10,000 of them are too heavy to shuffle per view.
    std::unordered_map<std::string, std::size_t> group_rank;
    std::vector<std::size_t> rank(overview.size()), order(overview.size());
    for (std::size_t i = 0; i < overview.size(); ++i) {
      rank[i] = group_rank.emplace(overview[i].listed.group, group_rank.size()).first->second;
      order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return rank[a] < rank[b]; });
    model.pages =
        std::max<int>(1, (static_cast<int>(overview.size()) + kUrlsPerPage - 1) / kUrlsPerPage);
    model.page = integerParameter(request, "page", 1, 1, model.pages);
    const auto first = static_cast<std::size_t>((model.page - 1) * kUrlsPerPage);
    const auto last = std::min(overview.size(), first + kUrlsPerPage);
    std::vector<std::string> shown;
    for (auto i = first; i < last; ++i) shown.push_back(overview[order[i]].listed.url);
    auto detail = data_.detail(shown);
    for (auto i = first; i < last; ++i) {
      model.entries.push_back({std::move(overview[order[i]]), std::move(detail[shown[i - first]])});
    }
    const auto month_ago = isoTime(std::chrono::system_clock::now() - std::chrono::days(30));
    model.incidents = data_.incidents("", month_ago, 10);
    // The page is for people: a short max-age, so a reload shows the news.
    answer(request, response, renderStatusPage(model), "text/html; charset=utf-8", 10);
    response.set_header("Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'");
  });
}

void StatusApiServer::statusList(const httplib::Request& request, httplib::Response& response) {
  guarded(request, response, false,
          [&] { answerJsonText(request, response, statusJsonText(data_.overview())); });
}

void StatusApiServer::history(const httplib::Request& request, httplib::Response& response) {
  guarded(request, response, false, [&] {
    const auto url = knownUrl(data_, request);
    const int limit = integerParameter(request, "limit", 10, 1, 1000);
    answerJson(request, response, historyJson(data_.history(url.url, limit)));
  });
}

void StatusApiServer::uptime(const httplib::Request& request, httplib::Response& response) {
  guarded(request, response, false, [&] {
    const auto url = knownUrl(data_, request);
    const auto window = windowParameter(request, "24h");
    answerJson(request, response, uptimeJson(url, window, data_.counts(url.url, window.hours)));
  });
}

void StatusApiServer::incidents(const httplib::Request& request, httplib::Response& response) {
  guarded(request, response, false, [&] {
    std::string url;
    if (request.has_param("url")) url = knownUrl(data_, request).url;
    const auto since = sinceParameter(request);
    const int limit = integerParameter(request, "limit", 100, 1, 1000);
    answerJson(request, response, incidentsJson(data_.incidents(url, since, limit)));
  });
}

void StatusApiServer::badge(const std::string& kind, bool svg, const httplib::Request& request,
                            httplib::Response& response) {
  guarded(request, response, false, [&] {
    const auto url = knownUrl(data_, request);
    Badge made;
    if (kind == "status") {
      made = statusBadge(data_.state(url.url).status);
    } else if (kind == "uptime") {
      const auto window = windowParameter(request, "30d");
      made = uptimeBadge(window.name, data_.counts(url.url, window.hours).uptimePercent());
    } else {
      std::optional<double> mean;
      double sum = 0;
      const auto hours = data_.latency(url.url);
      for (const auto& hour : hours) sum += hour.mean_ms;
      if (!hours.empty()) mean = sum / static_cast<double>(hours.size());
      made = responseBadge(mean);
    }
    // Badges are fetched by README renderers through their caches: a minute is plenty.
    if (svg) {
      answer(request, response, badgeSvg(made), "image/svg+xml", 60);
    } else {
      answerJson(request, response, badgeEndpointJson(made), 60);
    }
  });
}

std::unique_ptr<StatusApiServer> startStatusApi(const common::Config& config) {
  const auto& listen = config.consumer.status_listen;
  if (listen.empty()) return nullptr;
  try {
    auto server = std::make_unique<StatusApiServer>(listen, config.db, listedUrls(config));
    spdlog::info("serving the status page and API on http://{}:{}/", server->host(),
                 server->port());
    return server;
  } catch (const std::exception& error) {
    spdlog::error("{}; the consumer goes on without the status page", error.what());
    return nullptr;
  }
}

}  // namespace webmon::consumer::status
